"""The one definition of what a period counts: 提出者数 (submitters) and 意見件数 (opinions).

- 提出者数: every submission is one submitter, whatever its channel (web, paper, imported) or its
  moderation state; someone who sends twice is counted twice, as cities report it.
- 意見件数: the opinions moderators cut out of the submissions. The published result counts the
  decided ones (``REPORTED``: accepted and withheld; a withheld opinion is counted, never shown);
  the digest and the moderation dashboard, which run while work is under way, count pending ones
  too (``states=None``).
- A group of similar opinions is one answer (同様の意見 N件) but each member stays one opinion.

Moderation owns the rule: it decides what an opinion is, and it is the lowest feature that sees both
submissions and opinions, so results, digests, dashboards and the API can all use this module.
Each function runs one query; ``by`` names the column counted by (see ``SUBMISSION_KEYS`` and
``OPINION_KEYS``) and gives a {key: count} dict instead of a total.
"""

from collections.abc import Iterable

from sqlalchemy import case, func, select

from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup
from app.submissions.models import Submission

REPORTED = ("accepted", "withheld")
SUBMISSION_KEYS = {"channel": Submission.channel, "attribute": Submission.attribute, "state": Submission.state}
OPINION_KEYS = {"channel": Submission.channel, "attribute": Submission.attribute, "state": Opinion.state,
                "section": Opinion.section_id, "withhold_reason": Opinion.withhold_reason}
# Blank codes as they are reported: an attribute not given stays "", a withheld opinion without a
# reason code is withheld for "other" reasons.
BLANK = {"attribute": "", "withhold_reason": "other"}


def _column(keys: dict, by: str):
    if by not in keys:
        raise ValueError(f"cannot count by {by!r}")
    return keys[by]


def _key(by: str, value):
    return (value or BLANK[by]) if by in BLANK else value


def _counted(query, by: str | None) -> int | dict:
    if by is None:
        return db.session.scalar(query) or 0
    counts: dict = {}
    for key, n in db.session.execute(query):
        key = _key(by, key)
        counts[key] = counts.get(key, 0) + n
    return counts


def submitters(period_id: int, by: str | None = None) -> int | dict:
    """提出者数 of one period, in total or by channel, attribute or moderation state."""
    if by is None:
        return _counted(select(func.count(Submission.id)).where(Submission.period_id == period_id), None)
    column = _column(SUBMISSION_KEYS, by)
    return _counted(select(column, func.count(Submission.id)).where(Submission.period_id == period_id)
                    .group_by(column), by)


def opinions(period_id: int, by: str | None = None, states: Iterable[str] | None = REPORTED) -> int | dict:
    """意見件数 of one period: the opinions in ``states`` (all of them with None), in total or by the
    channel or attribute of their submission, or by their state, section or withholding reason."""
    query = select(func.count(Opinion.id)) if by is None else select(_column(OPINION_KEYS, by), func.count(Opinion.id))
    query = query.select_from(Opinion).where(Opinion.period_id == period_id)
    if by in ("channel", "attribute"):
        query = query.join(Submission, Submission.id == Opinion.submission_id)
    if states is not None:
        query = query.where(Opinion.state.in_(tuple(states)))
    if by is not None:
        query = query.group_by(OPINION_KEYS[by])
    return _counted(query, by)


def withheld_by_reason(period_id: int) -> dict[str, int]:
    """The withheld opinions by reason code: counted on the result, never shown."""
    return opinions(period_id, by="withhold_reason", states=("withheld",))


# --- many periods at once, for the dashboards -------------------------------------------------


def _per_period(query) -> dict[int, dict]:
    counts: dict[int, dict] = {}
    for period_id, key, n in db.session.execute(query):
        counts.setdefault(period_id, {})[key] = n
    return counts


def submitters_by_state(period_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{period: {moderation state: 提出者数}} (summed, the period's 提出者数)."""
    # count(*), not count(id): PostgreSQL then reads (period_id, state) from its index alone.
    return _per_period(select(Submission.period_id, Submission.state, func.count())
                       .where(Submission.period_id.in_(list(period_ids)))
                       .group_by(Submission.period_id, Submission.state))


def opinions_by_state(period_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{period: {state: opinions}}, pending included: the work still to do shows."""
    return _per_period(select(Opinion.period_id, Opinion.state, func.count())
                       .where(Opinion.period_id.in_(list(period_ids)))
                       .group_by(Opinion.period_id, Opinion.state))


def groups(period_ids: Iterable[int]) -> dict[int, int]:
    """{period: groups that have at least one member}.

    Counted on the groups (a group and its members share a period): a probe of the members' index
    per group, not a distinct count over every opinion of the period (10 ms and 220 ms at 100,000)."""
    has_member = select(Opinion.id).where(Opinion.group_id == OpinionGroup.id).exists()
    return dict(db.session.execute(
        select(OpinionGroup.period_id, func.count())
        .where(OpinionGroup.period_id.in_(list(period_ids)), has_member)
        .group_by(OpinionGroup.period_id)
    ).all())


def answers_needed(period_ids: Iterable[int]) -> dict[int, int]:
    """{period: answers the city owes}: one per accepted opinion outside a group, one per group with
    an accepted member (its answer covers them all)."""
    alone = func.count(case((Opinion.group_id.is_(None), Opinion.id)))
    return dict(db.session.execute(
        select(Opinion.period_id, alone + func.count(Opinion.group_id.distinct()))
        .where(Opinion.period_id.in_(list(period_ids)), Opinion.state == "accepted")
        .group_by(Opinion.period_id)
    ).all())
