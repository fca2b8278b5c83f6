"""What the moderation pages read: an opinion's history, a submission's opinions, a period's tags,
the names of the people who acted."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.models import AuditEntry
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup, Tag
from app.periods.models import CommentPeriod
from app.submissions.models import Submission


def user_labels(ids) -> dict[int, str]:
    """How each of these users is named on a page (nobody for ``None``)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {user.id: user.label for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def opinion_history(opinion: Opinion) -> list[AuditEntry]:
    """What was done to the opinion, oldest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "Opinion", AuditEntry.object_id == str(opinion.id))
        .order_by(AuditEntry.id)))


def submission_opinions(submission: Submission) -> list[Opinion]:
    """The opinions split from a submission, in their order, with what their rows show."""
    return list(db.session.scalars(
        select(Opinion).where(Opinion.submission_id == submission.id).order_by(Opinion.position)
        .options(selectinload(Opinion.tags), selectinload(Opinion.section), selectinload(Opinion.redactions))))


def period_tags(period_id: int) -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.period_id == period_id).order_by(Tag.name)))


def group_period(group: OpinionGroup) -> CommentPeriod:
    return db.session.get(CommentPeriod, group.period_id)
