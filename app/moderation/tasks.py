"""Moderation jobs: the daily digest for moderators and the outcome notice for submitters.

Both send at most once: a ``ModerationNotice`` row keyed by what the message is about is written in
the same transaction that queues the email, and a rerun that finds the row sends nothing.
"""

from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User, UserRole
from app.core.jobs import Recurring, job
from app.core.mail import external_url, queue_email
from app.core.timeutil import to_jst, utcnow
from app.extensions import db
from app.moderation.labels import WITHHOLD_REASON_LABELS
from app.moderation.models import ModerationNotice, Opinion
from app.periods.models import CommentPeriod
from app.submissions.models import Submission

LOCALE = "ja"


def _first_time(kind: str, key: str) -> bool:
    """Record that this notice goes out; False when it already went (by this run or a concurrent one)."""
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
def notify_submitter_outcome(submission_id: int) -> str:
    """Tell a submitter who gave an email, once the result is published, how many of their opinions
    were answered and, for each withheld one, the reason code."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or not submission.email:
        return "no recipient"
    period = db.session.get(CommentPeriod, submission.period_id)
    if period.results_published_at is None:
        return "not published"
    if not _first_time("outcome", str(submission.id)):
        return "already sent"
    opinions = db.session.scalars(select(Opinion).where(Opinion.submission_id == submission.id)).all()
    withheld = Counter(opinion.withhold_reason for opinion in opinions if opinion.state == "withheld")
    with force_locale(LOCALE):
        reasons = [[str(WITHHOLD_REASON_LABELS.get(code, code)), n] for code, n in sorted(withheld.items())]
    queue_email(submission.email, "moderation/email/outcome.txt", LOCALE, receipt_no=submission.receipt_no,
                period_title=period.title, total=len(opinions),
                answered=sum(1 for opinion in opinions if opinion.state == "accepted"),
                withheld=reasons, result_url=external_url("results.show", period_id=period.id),
                department=period.contact_department or period.plan.department)
    return "queued"


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
        if not theirs or not _first_time("digest", f"{moderator.id}:{day}"):
            continue
        lines = [[period.title, new.get(period.id, 0), waiting.get(period.id, 0)] for period in theirs]
        queue_email(moderator.email, "moderation/email/digest.txt", LOCALE, name=moderator.label, day=day,
                    periods=lines, new_total=sum(line[1] for line in lines), site_url=current_app.config["SITE_URL"])
        sent += 1
    return sent


SCHEDULE = [Recurring(send_daily_digest, cron="0 8 * * *")]
