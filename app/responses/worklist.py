"""The staff work list of a period, counted and paged in the database.

``services.period_targets`` loads every accepted opinion of a period with its answer; at 100,000
opinions that is seconds and megabytes per request. Here a target is one row of a GROUP BY over the
accepted opinions (an opinion alone, or a group keyed by its id), joined to its lead opinion's section
and to its answer; the progress figures are GROUP BY counts over those rows, and the list is one page
of them, in the same order as ``period_targets``: by the section's position, the whole-draft ones
last, then by the lead opinion.
"""

from dataclasses import dataclass

from sqlalchemy import and_, case, false, func, literal, or_, select
from sqlalchemy.orm import aliased, selectinload

from app.core.ids import MAX_ID
from app.core.pagination import Page, paginate
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod, Section
from app.responses.models import DraftChange, Response
from app.responses.services import STATUSES, Progress, Target

PER_PAGE = 50


@dataclass(frozen=True)
class Filters:
    status: str = ""  # one of STATUSES, or "" for all
    section: str = ""  # a section id, "none" for the draft as a whole, or "" for all
    category: str = ""  # a reflection category code, or "" for all


def _targets(period: CommentPeriod):
    """One row per target: kind, id, lead opinion, members, section id, answer id, state ("none"
    without an answer) and category; plus the columns the filters need."""
    alone = case((Opinion.group_id.is_(None), Opinion.id))  # NULL for a grouped opinion
    grouped = (
        select(Opinion.group_id.label("group_id"), alone.label("opinion_id"),
               func.min(Opinion.id).label("lead_id"), func.count().label("members"))
        .where(Opinion.period_id == period.id, Opinion.state == "accepted")
        .group_by(Opinion.group_id, alone)
        .subquery()
    )
    lead = aliased(Opinion)
    # Two plain equality joins (not one join with an OR): each is an index or hash join on a unique column.
    to_opinion, to_group = aliased(Response), aliased(Response)
    kind = case((grouped.c.group_id.is_(None), literal("opinion")), else_=literal("group"))
    status = func.coalesce(to_opinion.state, to_group.state, literal("none"))
    category = func.coalesce(to_opinion.category, to_group.category)
    query = (
        select(kind.label("kind"), func.coalesce(grouped.c.group_id, grouped.c.opinion_id).label("id"),
               grouped.c.lead_id, grouped.c.members, lead.section_id.label("section_id"),
               func.coalesce(to_opinion.id, to_group.id).label("response_id"), status.label("status"),
               category.label("category"))
        .join(lead, lead.id == grouped.c.lead_id)
        .outerjoin(Section, Section.id == lead.section_id)
        .outerjoin(to_opinion, and_(to_opinion.opinion_id == grouped.c.opinion_id, to_opinion.period_id == period.id))
        .outerjoin(to_group, and_(to_group.group_id == grouped.c.group_id, to_group.period_id == period.id))
        .order_by(lead.section_id.is_(None), func.coalesce(Section.position, 0), grouped.c.lead_id)
    )
    return query, lead, status, category


def progress(period: CommentPeriod) -> Progress:
    """The same figures as ``services.progress(period_targets(period))``, in one GROUP BY query."""
    query, _lead, _status, _category = _targets(period)
    rows = query.order_by(None).subquery()
    by_status = dict.fromkeys(STATUSES, 0)
    by_section_id: dict[int | None, dict[str, int]] = {}
    by_category: dict[str, int] = {}
    total = 0
    for section_id, state, category, count in db.session.execute(
        select(rows.c.section_id, rows.c.status, rows.c.category, func.count())
        .group_by(rows.c.section_id, rows.c.status, rows.c.category)
    ):
        total += count
        by_status[state] += count
        by_section_id.setdefault(section_id, dict.fromkeys(STATUSES, 0))[state] += count
        if category:
            by_category[category] = by_category.get(category, 0) + count
    sections = {s.id: s for s in db.session.scalars(
        select(Section).where(Section.id.in_([key for key in by_section_id if key is not None])))}
    ordered = sorted(((sections.get(key), counts) for key, counts in by_section_id.items()),
                     key=lambda row: (row[0] is None, row[0].position if row[0] else 0))
    return Progress(total, by_status, ordered, by_category)


def page(period: CommentPeriod, filters: Filters, number: int, per_page: int = PER_PAGE) -> Page:
    """One page of targets matching the filters, as ``Target`` objects with their opinions and answer."""
    query, lead, status, category = _targets(period)
    if filters.status:
        query = query.where(status == filters.status)
    if filters.section == "none":
        query = query.where(lead.section_id.is_(None))
    elif filters.section:
        wanted = int(filters.section) if filters.section.isdigit() else 0
        query = query.where(lead.section_id == wanted if 0 < wanted <= MAX_ID else false())
    if filters.category:
        query = query.where(category == filters.category)
    rows = paginate(query, number, per_page, rows=True)
    rows.items = _load(period, rows.items)
    return rows


def _load(period: CommentPeriod, rows) -> list[Target]:
    """Build the page's targets: their accepted opinions (oldest first) and their answers, in three queries."""
    alone = [row.id for row in rows if row.kind == "opinion"]
    groups = [row.id for row in rows if row.kind == "group"]
    opinions = db.session.scalars(
        select(Opinion)
        .where(Opinion.period_id == period.id, Opinion.state == "accepted",
               or_(and_(Opinion.group_id.is_(None), Opinion.id.in_(alone)), Opinion.group_id.in_(groups)))
        .options(selectinload(Opinion.redactions), selectinload(Opinion.section))
        .order_by(Opinion.id)
    ).all() if rows else []
    members: dict[tuple[str, int], list[Opinion]] = {}
    for opinion in opinions:
        key = ("opinion", opinion.id) if opinion.group_id is None else ("group", opinion.group_id)
        members.setdefault(key, []).append(opinion)
    answer_ids = [row.response_id for row in rows if row.response_id is not None]
    answers = {r.id: r for r in db.session.scalars(
        select(Response).where(Response.id.in_(answer_ids))
        .options(selectinload(Response.changes).selectinload(DraftChange.section)))} if answer_ids else {}
    return [Target(row.kind, row.id, members[(row.kind, row.id)], answers.get(row.response_id)) for row in rows]
