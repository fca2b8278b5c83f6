"""Following a plan: subscribe (double opt-in), confirm, unsubscribe, and recording what happened.

The links in mails carry signed tokens (itsdangerous, keyed by SECRET_KEY, one salt per purpose): a
confirm link expires after FOLLOW_CONFIRM_DAYS, an unsubscribe link never does, so a mail
kept for a year still lets its reader leave. Services flush; the view or job commits.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import delete, select

from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.follow.models import EVENT_KINDS, Follower, FollowEvent
from app.plans.models import Plan


class FollowError(DomainError):
    """A confirm or unsubscribe link that is broken, expired or no longer points at a subscription."""

    def describe(self) -> str:
        from app.follow.labels import error_message

        return error_message(self.code)


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="follow-confirm")


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="follow-unsubscribe")


def confirm_token(follower: Follower) -> str:
    # The creation time is in the token, so a link from a subscription deleted and made again is dead.
    return _confirm_serializer().dumps([follower.id, int(follower.created_at.timestamp())])


def unsubscribe_token(follower_ids: list[int]) -> str:
    return _unsubscribe_serializer().dumps(sorted(follower_ids))


def recipient_key(email: str) -> str:
    """A keyed hash of an address: who a digest went to, without keeping the address."""
    key = f"follow-recipient:{current_app.config['SECRET_KEY']}".encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def subscribe(plan: Plan, email: str, locale: str) -> Follower | None:
    """Record an unconfirmed follower and ask for the confirm mail; nothing else is sent before it is
    confirmed. Asking again for a pending address sends the confirm mail again; for a confirmed
    one nothing happens (the page says the same either way, so it tells nobody who follows what).
    Returns the follower the confirm mail is for, or None."""
    from app.follow.tasks import send_confirmation

    email = email.strip()
    follower = db.session.scalar(select(Follower).where(Follower.plan_id == plan.id, Follower.email == email))
    if follower is not None and follower.is_confirmed:
        return None
    if follower is None:
        follower = Follower(plan_id=plan.id, email=email, locale=locale)
        db.session.add(follower)
    follower.locale = locale
    db.session.flush()
    send_confirmation.delay(follower.id)
    return follower


def confirm_preview(token: str) -> Follower:
    """The unconfirmed or confirmed subscription a confirm link names. Raises FollowError when the
    link is broken (``bad_link``), too old (``expired``) or its subscription is gone (``gone``)."""
    max_age = timedelta(days=current_app.config["FOLLOW_CONFIRM_DAYS"]).total_seconds()
    try:
        follower_id, created = _confirm_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise FollowError("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise FollowError("bad_link") from None
    follower = db.session.get(Follower, follower_id) if isinstance(follower_id, int) else None
    if follower is None or int(follower.created_at.timestamp()) != created or not follower.plan.is_published:
        raise FollowError("gone")
    return follower


def confirm(token: str) -> Follower:
    """Confirm the subscription a confirm link names (FollowError, nothing changed, as above). Flushes."""
    follower = confirm_preview(token)
    if follower.confirmed_at is None:
        follower.confirmed_at = utcnow()
        db.session.flush()
    return follower


def followers_of_token(token: str) -> list[Follower]:
    """The subscriptions an unsubscribe link names that still exist (none left: FollowError ``gone``)."""
    try:
        ids = _unsubscribe_serializer().loads(token)
    except BadSignature:
        raise FollowError("bad_link") from None
    if not isinstance(ids, list) or not all(isinstance(value, int) for value in ids):
        raise FollowError("bad_link")
    followers = db.session.scalars(select(Follower).where(Follower.id.in_(ids)).order_by(Follower.id)).all()
    if not followers:
        raise FollowError("gone")
    return list(followers)


def unsubscribe(token: str) -> list[str]:
    """Delete the subscriptions an unsubscribe link names, with what was sent to them. Flushes;
    returns the titles of the plans no longer followed."""
    followers = followers_of_token(token)
    titles = [follower.plan.title for follower in followers]
    db.session.execute(delete(Follower).where(Follower.id.in_([follower.id for follower in followers])))
    db.session.flush()
    return titles


def record_event(plan_id: int, kind: str, subject_id: int, occurred_at: datetime) -> FollowEvent | None:
    """Record that something followers hear about happened, once per kind and subject. Flushes."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event {kind!r}")
    exists = db.session.scalar(select(FollowEvent.id).where(FollowEvent.kind == kind,
                                                            FollowEvent.subject_id == subject_id))
    if exists is not None:
        return None
    event = FollowEvent(plan_id=plan_id, kind=kind, subject_id=subject_id, occurred_at=occurred_at)
    db.session.add(event)
    db.session.flush()
    return event


def workshop_published(workshop) -> None:
    """signals.workshop_published: a workshop announced on a published plan is news to its followers."""
    record_event(workshop.plan_id, "workshop_announced", workshop.id, workshop.published_at or utcnow())


def result_published(period) -> None:
    """signals.result_published."""
    record_event(period.plan_id, "result_published", period.id, period.results_published_at or utcnow())


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete subscriptions never confirmed within FOLLOW_CONFIRM_DAYS. Flushes; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["FOLLOW_CONFIRM_DAYS"])
    deleted = db.session.execute(
        delete(Follower).where(Follower.confirmed_at.is_(None), Follower.created_at < cutoff)
    ).rowcount
    db.session.flush()
    return deleted
