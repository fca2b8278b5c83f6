"""What the staff pages of submissions read: a period's list, its counts by channel, a file of one."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.periods.models import CommentPeriod
from app.submissions.models import Attachment, Submission


def submissions_query(period: CommentPeriod, channel: str = ""):
    """The period's submissions in receipt order, of one channel when given, for a page of them."""
    query = (select(Submission).where(Submission.period_id == period.id)
             .options(selectinload(Submission.entries), selectinload(Submission.attachments))
             .order_by(Submission.receipt_no))
    return query.where(Submission.channel == channel) if channel else query


def channel_counts(period: CommentPeriod) -> dict[str, int]:
    return dict(db.session.execute(select(Submission.channel, func.count()).where(Submission.period_id == period.id)
                                   .group_by(Submission.channel)).all())


def attachment_of(submission: Submission, attachment_id: int) -> Attachment | None:
    """One of this submission's files; None for another's or none at all."""
    item = db.session.get(Attachment, attachment_id)
    return item if item is not None and item.submission_id == submission.id else None
