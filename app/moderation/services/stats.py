"""Counts for the dashboard, the queue and the period's opinion list, each in one grouped query."""

from sqlalchemy import Select, func, select

from app.extensions import db
from app.moderation import counting
from app.moderation.models import OPINION_STATES, SUBMISSION_STATES, Opinion, OpinionGroup
from app.periods.models import CommentPeriod
from app.submissions.models import Submission


def period_counts(period_ids: list[int]) -> dict[int, dict]:
    """Per period: submissions per state, 提出者数, opinions per state, 意見件数 (pending included, as
    work to do) and groups, counted by ``app.moderation.counting``."""
    submissions = counting.submitters_by_state(period_ids)
    opinions = counting.opinions_by_state(period_ids)
    groups = counting.groups(period_ids)
    counts: dict[int, dict] = {}
    for period_id in [*submissions, *opinions, *groups]:
        if period_id in counts:
            continue
        by_submission_state = {**dict.fromkeys(SUBMISSION_STATES, 0), **submissions.get(period_id, {})}
        by_opinion_state = {**dict.fromkeys(OPINION_STATES, 0), **opinions.get(period_id, {})}
        counts[period_id] = {"submissions": by_submission_state, "opinions": by_opinion_state,
                             "submitters": sum(by_submission_state.values()),
                             "opinion_total": sum(by_opinion_state.values()), "groups": groups.get(period_id, 0)}
    return counts


def moderated_periods(user) -> list[CommentPeriod]:
    """The periods ``user`` moderates that have submissions or are past their draft stage, newest first."""
    # EXISTS probes the submissions' period index once per period; IN (SELECT DISTINCT …) read them all.
    with_submissions = select(Submission.id).where(Submission.period_id == CommentPeriod.id).exists()
    return list(db.session.scalars(
        select(CommentPeriod).where(CommentPeriod.moderated_by(user),
                                    with_submissions | CommentPeriod.status.in_(("scheduled",)))
        .order_by(CommentPeriod.opens_at.desc())
    ))


def group_sizes(group_ids) -> dict[int, int]:
    rows = db.session.execute(
        select(Opinion.group_id, func.count()).where(Opinion.group_id.in_(list(group_ids))).group_by(Opinion.group_id)
    ).all()
    return {group_id: n for group_id, n in rows}


GROUP_CHOICES = 100


def period_groups(period_id: int, limit: int | None = None) -> list[OpinionGroup]:
    """The period's groups that still have members, oldest first; with ``limit``, the newest ``limit``."""
    members = select(Opinion.group_id).where(Opinion.period_id == period_id, Opinion.group_id.is_not(None))
    query = select(OpinionGroup).where(OpinionGroup.period_id == period_id, OpinionGroup.id.in_(members))
    if limit is None:
        return list(db.session.scalars(query.order_by(OpinionGroup.id)))
    return sorted(db.session.scalars(query.order_by(OpinionGroup.id.desc()).limit(limit)), key=lambda g: g.id)


def group_rows(period_id: int) -> Select:
    """(group, members) of the period's groups that have members, oldest first: for a paged list,
    the members counted by one GROUP BY on the period's grouped opinions."""
    sizes = (select(Opinion.group_id, func.count().label("members"))
             .where(Opinion.period_id == period_id, Opinion.group_id.is_not(None))
             .group_by(Opinion.group_id).subquery())
    return (select(OpinionGroup, sizes.c.members).join(sizes, sizes.c.group_id == OpinionGroup.id)
            .order_by(OpinionGroup.id))
