"""Gathering what followers hear about into one mail a day per person.

Events come from two places: signals (a workshop announced, a result published: the sender's own
transaction records them) and a scan of the clock (a period that has opened, or that closes within a
week: nothing happens in the database at that moment). Each follower hears of an event once
(``DigestItem`` is unique per follower and event) and each address gets at most one digest per Japan
day (``Digest`` is unique per recipient and day): what comes after today's digest waits for tomorrow's.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from app.core.timeutil import to_jst
from app.extensions import db
from app.follow.models import Digest, DigestItem, Follower, FollowEvent
from app.follow.services import recipient_key, record_event
from app.periods.models import CommentPeriod
from app.plans.models import Plan

CLOSING_NOTICE = timedelta(days=7)


def collect_clock_events(now: datetime) -> int:
    """Record periods that have opened and those in their last week. Flushes; returns how many new."""
    periods = db.session.scalars(
        select(CommentPeriod).join(Plan, CommentPeriod.plan_id == Plan.id)
        .where(CommentPeriod.status == "scheduled", Plan.status == "published",
               CommentPeriod.results_published_at.is_(None),
               CommentPeriod.opens_at <= now, CommentPeriod.closes_at > now)
    ).all()
    recorded = 0
    for period in periods:
        recorded += record_event(period.plan_id, "period_opened", period.id, period.opens_at) is not None
        closing_from = period.closes_at - CLOSING_NOTICE
        if closing_from <= now:
            occurred = max(closing_from, period.opens_at)
            recorded += record_event(period.plan_id, "period_closing", period.id, occurred) is not None
    return recorded


def pending_items(now: datetime) -> dict[str, list[tuple[Follower, FollowEvent]]]:
    """What confirmed followers have not heard yet, by recipient: events of their plan since they
    confirmed (nobody is told of news older than their subscription)."""
    rows = db.session.execute(
        select(Follower, FollowEvent)
        .join(FollowEvent, and_(FollowEvent.plan_id == Follower.plan_id, FollowEvent.occurred_at >= Follower.confirmed_at,
                                FollowEvent.occurred_at <= now))
        .outerjoin(DigestItem, and_(DigestItem.follower_id == Follower.id, DigestItem.event_id == FollowEvent.id))
        .where(Follower.confirmed_at.is_not(None), DigestItem.id.is_(None))
        .order_by(Follower.id, FollowEvent.occurred_at, FollowEvent.id)
    ).all()
    grouped: dict[str, list[tuple[Follower, FollowEvent]]] = defaultdict(list)
    for follower, event in rows:
        grouped[recipient_key(follower.email)].append((follower, event))
    return grouped


def make_digests(now: datetime) -> list[int]:
    """One digest for each recipient with news who has had none today. Flushes; returns their ids.

    Each recipient's digest is made in a savepoint: a concurrent run that made it first leaves that
    recipient alone (the unique keys refuse the second) and the others still get theirs."""
    day = to_jst(now).date()
    made = []
    for key, pairs in pending_items(now).items():
        if db.session.scalar(select(Digest.id).where(Digest.recipient_key == key, Digest.day == day)) is not None:
            continue
        try:
            with db.session.begin_nested():
                digest = Digest(recipient_key=key, day=day, created_at=now)
                digest.items = [DigestItem(follower_id=follower.id, event_id=event.id) for follower, event in pairs]
                db.session.add(digest)
                db.session.flush()
        except IntegrityError:
            continue
        made.append(digest.id)
    return made
