"""Moderation jobs: the search index of new submissions, the daily digest for moderators.

Notices send at most once: a ``ModerationNotice`` row keyed by what the message is about is written
in the same transaction that queues the email, and a rerun that finds the row sends nothing (the
result notice to submitters, ``app.responses.tasks.notify_submitter_outcome``, keeps its rows here too).
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User, UserRole
from app.core.jobs import Recurring, job
from app.core.mail import queue_email
from app.core.timeutil import to_jst, utcnow
from app.extensions import db
from app.moderation.models import ModerationNotice
from app.periods.models import CommentPeriod
from app.submissions.models import Submission

LOCALE = "ja"


def first_notice(kind: str, key: str) -> bool:
    """Record that the notice ``kind`` about ``key`` goes out; False when it already went (by this run
    or a concurrent one). Written in the transaction that queues the mail, so it is kept with it."""
    if db.session.scalar(select(ModerationNotice.id).where(ModerationNotice.kind == kind,
                                                           ModerationNotice.key == key)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(ModerationNotice(kind=kind, key=key))
    except IntegrityError:
        return False
    return True


@job("default")
def send_daily_digest(now_iso: str | None = None) -> int:
    """Each moderator gets, once a day, the new submissions of the last 24 hours and what still waits,
    per period they moderate (their department's). Nothing new and nothing waiting for them: no mail.
    Returns how many digests were queued."""
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    since = now - timedelta(days=1)
    new_rows = db.session.execute(
        select(Submission.period_id, func.count()).where(Submission.created_at > since, Submission.created_at <= now)
        .group_by(Submission.period_id)
    ).all()
    waiting_rows = db.session.execute(
        select(Submission.period_id, func.count()).where(Submission.state != "done").group_by(Submission.period_id)
    ).all()
    new, waiting = dict(new_rows), dict(waiting_rows)
    if not new and not waiting:
        return 0
    periods = db.session.scalars(
        select(CommentPeriod).where(CommentPeriod.id.in_(set(new) | set(waiting))).order_by(CommentPeriod.id)).all()
    moderators = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == "moderator", User.active.is_(True)).order_by(User.id)
    ).all()
    day = to_jst(now).date().isoformat()
    sent = 0
    for moderator in moderators:
        theirs = [period for period in periods if period.can_moderate(moderator)]
        if not theirs or not first_notice("digest", f"{moderator.id}:{day}"):
            continue
        lines = [[period.title, new.get(period.id, 0), waiting.get(period.id, 0)] for period in theirs]
        queue_email(moderator.email, "moderation/email/digest.txt", LOCALE, name=moderator.label, day=day,
                    periods=lines, new_total=sum(line[1] for line in lines), site_url=current_app.config["SITE_URL"])
        sent += 1
    return sent


# How often new submissions are indexed for the search: a search finds the ones still waiting and indexes
# them first, so this keeps searches fast, not complete.
INDEX_INTERVAL = 10


@job("default")
def index_new() -> int:
    """The search index of the submissions created since the last run (committed by the scheduler's runner).
    Returns how many were indexed."""
    from app.moderation.services import ensure_indexed

    return ensure_indexed()


SCHEDULE = [
    Recurring(index_new, interval=INDEX_INTERVAL),
    Recurring(send_daily_digest, cron="0 8 * * *"),
]
