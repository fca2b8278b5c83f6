"""Counts for the dashboard, the queue and the period's opinion list, each in one grouped query."""

from sqlalchemy import func, select

from app.extensions import db
from app.moderation.models import OPINION_STATES, SUBMISSION_STATES, Opinion, OpinionGroup
from app.periods.models import CommentPeriod
from app.submissions.models import Submission


def period_counts(period_ids=None) -> dict[int, dict]:
    """Per period: submissions per state, 提出者数 (submissions), opinions per state, 意見件数, groups."""
    submissions = select(Submission.period_id, Submission.state, func.count()).group_by(
        Submission.period_id, Submission.state)
    opinions = select(Opinion.period_id, Opinion.state, func.count()).group_by(Opinion.period_id, Opinion.state)
    groups = select(Opinion.period_id, func.count(func.distinct(Opinion.group_id))).where(
        Opinion.group_id.is_not(None)).group_by(Opinion.period_id)
    if period_ids is not None:
        ids = list(period_ids)
        submissions = submissions.where(Submission.period_id.in_(ids))
        opinions = opinions.where(Opinion.period_id.in_(ids))
        groups = groups.where(Opinion.period_id.in_(ids))
    counts: dict[int, dict] = {}

    def blank() -> dict:
        return {"submissions": dict.fromkeys(SUBMISSION_STATES, 0), "opinions": dict.fromkeys(OPINION_STATES, 0),
                "submitters": 0, "opinion_total": 0, "groups": 0}

    for period_id, state, n in db.session.execute(submissions):
        entry = counts.setdefault(period_id, blank())
        entry["submissions"][state] = n
        entry["submitters"] += n
    for period_id, state, n in db.session.execute(opinions):
        entry = counts.setdefault(period_id, blank())
        entry["opinions"][state] = n
        entry["opinion_total"] += n
    for period_id, n in db.session.execute(groups):
        counts.setdefault(period_id, blank())["groups"] = n
    return counts


def moderated_periods(user) -> list[CommentPeriod]:
    """The periods ``user`` moderates that have submissions or are past their draft stage, newest first."""
    with_submissions = select(Submission.period_id).distinct()
    return list(db.session.scalars(
        select(CommentPeriod).where(CommentPeriod.moderated_by(user),
                                    CommentPeriod.id.in_(with_submissions) | CommentPeriod.status.in_(("scheduled",)))
        .order_by(CommentPeriod.opens_at.desc())
    ))


def group_sizes(group_ids) -> dict[int, int]:
    rows = db.session.execute(
        select(Opinion.group_id, func.count()).where(Opinion.group_id.in_(list(group_ids))).group_by(Opinion.group_id)
    ).all()
    return {group_id: n for group_id, n in rows}


def period_groups(period_id: int) -> list[OpinionGroup]:
    """The period's groups that still have members."""
    members = select(Opinion.group_id).where(Opinion.group_id.is_not(None))
    return list(db.session.scalars(
        select(OpinionGroup).where(OpinionGroup.period_id == period_id, OpinionGroup.id.in_(members))
        .order_by(OpinionGroup.id)
    ))
