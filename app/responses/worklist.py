"""The staff work list of a period, counted and paged in the database.

``services.period_targets`` loads every accepted opinion of a period with its answer; at 100,000
opinions that is seconds and megabytes per request. Here a target is one row of a GROUP BY over the
accepted opinions (an opinion alone, or a group keyed by its id), joined to its lead opinion's section
and to its answer; the progress figures are GROUP BY counts over those rows, and the list is one page
of them, in the same order as ``period_targets``: by the section's position, the whole-draft ones
last, then by the lead opinion.
"""

from dataclasses import dataclass

from sqlalchemy import Integer, and_, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from app.core.ids import MAX_ID
from app.core.pagination import Page, paginate
from app.core.planner import prefer_indexes
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


Count = tuple[int | None, str, str | None, int]  # section id, status, category, targets


def _targets(period: CommentPeriod, *, answers: bool = True):
    """One row per target: kind, id, lead opinion, members, section id and, with ``answers``, its
    state ("none" without an answer) and category (a page filtered by neither skips those joins).
    Lone opinions are their own row (no aggregate over the whole period); only grouped opinions are
    aggregated, and joined to their lead for its section."""
    accepted = (Opinion.period_id == period.id, Opinion.state == "accepted")
    no_id = cast(null(), Integer)
    alone = select(Opinion.id.label("opinion_id"), no_id.label("group_id"), Opinion.id.label("lead_id"),
                   literal(1).label("members"), Opinion.section_id.label("section_id")
                   ).where(*accepted, Opinion.group_id.is_(None))
    members = (select(Opinion.group_id, func.min(Opinion.id).label("lead_id"), func.count().label("members"))
               .where(*accepted, Opinion.group_id.is_not(None)).group_by(Opinion.group_id).subquery())
    lead = aliased(Opinion)
    groups = select(no_id, members.c.group_id, members.c.lead_id, members.c.members, lead.section_id
                    ).join(lead, lead.id == members.c.lead_id)
    if answers:
        # Each part joins its answers on its own unique key: a lone opinion's by opinion, a group's by group.
        # Two joins over the whole union (each target looked up both ways) read and hashed the period's
        # answers twice and took a third of the work list's counts (bench/README.md, thirty-ninth session).
        to_group = aliased(Response)
        alone = alone.add_columns(Response.state.label("answer_state"), Response.category.label("category")).outerjoin(
            Response, and_(Response.opinion_id == Opinion.id, Response.period_id == period.id))
        groups = groups.add_columns(to_group.state, to_group.category).outerjoin(
            to_group, and_(to_group.group_id == members.c.group_id, to_group.period_id == period.id))
    targets = union_all(alone, groups).subquery()
    kind = case((targets.c.group_id.is_(None), literal("opinion")), else_=literal("group"))
    query = (
        select(kind.label("kind"), func.coalesce(targets.c.group_id, targets.c.opinion_id).label("id"),
               targets.c.lead_id, targets.c.members, targets.c.section_id)
        .outerjoin(Section, Section.id == targets.c.section_id)
        .order_by(targets.c.section_id.is_(None), func.coalesce(Section.position, 0), targets.c.lead_id)
    )
    status = category = None
    if answers:
        status, category = func.coalesce(targets.c.answer_state, literal("none")), targets.c.category
        query = query.add_columns(status.label("status"), category.label("category"))
    return query, targets.c.section_id, status, category


def counts(period: CommentPeriod) -> list[Count]:
    """How many targets per (section, status, category): one GROUP BY, from which both the progress
    figures and the number of targets any filter leaves are summed. The lone opinions are read from
    ``ix_opinions_period_state`` alone (migration 028)."""
    prefer_indexes()
    rows = _targets(period)[0].order_by(None).subquery()
    return [tuple(row) for row in db.session.execute(
        select(rows.c.section_id, rows.c.status, rows.c.category, func.count())
        .group_by(rows.c.section_id, rows.c.status, rows.c.category))]


def unapproved(period: CommentPeriod) -> int:
    """How many targets have no approved answer (none yet, a draft or one waiting): lone accepted
    opinions and groups of accepted opinions without one, two anti-joins on the answers' unique keys.
    (Counted from ``_targets``, with its sections and union, it took a third of the publication check at
    100,000 opinions, bench/README.md.)"""
    accepted = (Opinion.period_id == period.id, Opinion.state == "accepted")
    approved = (Response.period_id == period.id, Response.state == "approved")
    alone = select(func.count()).select_from(Opinion).where(
        *accepted, Opinion.group_id.is_(None),
        ~select(Response.id).where(Response.opinion_id == Opinion.id, *approved).exists())
    groups = select(func.count(Opinion.group_id.distinct())).where(
        *accepted, Opinion.group_id.is_not(None),
        ~select(Response.id).where(Response.group_id == Opinion.group_id, *approved).exists())
    return (db.session.scalar(alone) or 0) + (db.session.scalar(groups) or 0)


def progress(period: CommentPeriod, rows: list[Count] | None = None) -> Progress:
    """The same figures as ``services.progress(period_targets(period))``."""
    by_status = dict.fromkeys(STATUSES, 0)
    by_section_id: dict[int | None, dict[str, int]] = {}
    by_category: dict[str, int] = {}
    total = 0
    for section_id, state, category, count in counts(period) if rows is None else rows:
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


def _section_id(filters: Filters) -> int | None:
    """The section filter as an id; 0 (matches nothing) when it is neither an id nor "none"."""
    if filters.section == "none":
        return None
    wanted = int(filters.section) if filters.section.isdigit() else 0
    return wanted if wanted <= MAX_ID else 0


def _matches(row: Count, filters: Filters) -> bool:
    section_id, state, category, _count = row
    return ((not filters.status or state == filters.status)
            and (not filters.section or section_id == _section_id(filters))
            and (not filters.category or category == filters.category))


def page(period: CommentPeriod, filters: Filters, number: int, per_page: int = PER_PAGE,
         rows: list[Count] | None = None) -> Page:
    """One page of targets matching the filters, as ``Target`` objects with their opinions and answer.
    ``rows`` are the period's ``counts``, when the caller has them already (they give the total)."""
    prefer_indexes()
    query, section_id, status, category = _targets(period, answers=bool(filters.status or filters.category))
    if filters.status:
        query = query.where(status == filters.status)
    if filters.section:
        wanted = _section_id(filters)
        query = query.where(section_id.is_(None) if wanted is None else section_id == wanted)
    if filters.category:
        query = query.where(category == filters.category)
    if rows is None:
        found = paginate(query, number, per_page, rows=True)
    else:
        found = _page_within_parts(period, query, section_id, rows, filters, number, per_page)
    found.items = _load(period, found.items)
    return found


def _page_within_parts(period: CommentPeriod, query, section_id, rows: list[Count], filters: Filters, number: int,
                       per_page: int) -> Page:
    """The page read from the parts of the draft its rows lie in, which the counts tell: the list is in the
    parts' order, so a page of 50 sorted only the targets of one or two parts, not all of the period's
    (82,000 sorted to take 50 were a third of the work list's time at 100,000 opinions: bench/README.md,
    thirty-ninth session). A part is keyed as the list orders it: by its section's position, the draft as a whole
    last; a section the period does not list would sort at position 0 with any section there, as one part."""
    number = min(max(1, number), MAX_ID)
    total = sum(row[3] for row in rows if _matches(row, filters))
    positions = {s.id: s.position for s in db.session.scalars(select(Section).where(Section.period_id == period.id))}
    parts: dict[tuple, list] = {}
    for row in rows:
        if _matches(row, filters):
            key = (row[0] is None, positions.get(row[0], 0))
            parts.setdefault(key, [0, set()])
            parts[key][0] += row[3]
            parts[key][1].add(row[0])
    start, before, spanned = (number - 1) * per_page, 0, []
    for key in sorted(parts):
        size = parts[key][0]
        if before + size <= start and not spanned:
            before += size
            continue
        if before + sum(parts[k][0] for k in spanned) >= start + per_page:
            break
        spanned.append(key)
    if not spanned:
        return Page(items=[], page=number, per_page=per_page, total=total)
    ids = set().union(*(parts[key][1] for key in spanned))
    named = [i for i in ids if i is not None]
    within = or_(section_id.in_(named), section_id.is_(None)) if None in ids else section_id.in_(named)
    items = db.session.execute(query.where(within).limit(per_page).offset(start - before)).all()
    return Page(items=list(items), page=number, per_page=per_page, total=total)


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
    answers = {(("opinion", r.opinion_id) if r.group_id is None else ("group", r.group_id)): r
               for r in db.session.scalars(
                   select(Response)
                   .where(Response.period_id == period.id,
                          or_(Response.opinion_id.in_(alone), Response.group_id.in_(groups)))
                   .options(selectinload(Response.changes).selectinload(DraftChange.section)))} if rows else {}
    return [Target(row.kind, row.id, members[(row.kind, row.id)], answers.get((row.kind, row.id))) for row in rows]


COPY_MAX = 50  # answers offered to copy from: enough to choose, few enough to read
TRIGRAM = 3  # the shortest words pg_trgm's index can look up


@dataclass(frozen=True)
class Source:
    """An answer the editor offers to copy from, with the opinion (or group's lead) it answers."""

    response: Response
    lead: Opinion


def copy_sources(period: CommentPeriod, target: Target, words: str = "", limit: int = COPY_MAX) -> list[Source]:
    """Other written answers of the period to start a draft from, most recently saved first. Without
    ``words``: the answers to opinions about the same part of the draft as ``target`` (a clerk answering
    an opinion about 第3章 reuses what was written for 第3章). With ``words``: answers anywhere in the
    period whose text, or whose opinion's summary or excerpt, contains them. Only answers of targets
    (as the work list has them) are offered; two bounded queries, one for answers to an opinion alone
    and one for answers to a group (through its lead, the oldest accepted member)."""
    words = " ".join(words.split())
    own = target.response.id if target.response is not None and target.response.id else None
    section = target.section.id if target.section is not None else None
    # Three characters or more: each text searched on its own table, which PostgreSQL answers from its
    # trigram indexes (migration 026) instead of testing every answer and opinion of the period. Shorter
    # words have no trigram; they are tested row by row in the list's order, which stops at the 50th
    # answer found (common words) and costs a scan when nothing matches, as before.
    indexed = len(words) >= TRIGRAM
    if indexed:
        answer, opinion = aliased(Response), aliased(Opinion)
        answers_with_words = select(answer.id).where(answer.period_id == period.id,
                                                     answer.body.icontains(words, autoescape=True))
        opinions_with_words = select(opinion.id).where(opinion.period_id == period.id,
                                                       or_(opinion.summary.icontains(words, autoescape=True),
                                                           opinion.excerpt.icontains(words, autoescape=True)))

    def narrowed(query, lead):
        query = query.where(Response.period_id == period.id, Response.body != "", lead.period_id == period.id,
                            lead.state == "accepted")
        if own is not None:
            query = query.where(Response.id != own)
        if indexed:
            query = query.where(or_(Response.id.in_(answers_with_words), lead.id.in_(opinions_with_words)))
        elif words:
            query = query.where(or_(Response.body.icontains(words, autoescape=True),
                                    lead.summary.icontains(words, autoescape=True),
                                    lead.excerpt.icontains(words, autoescape=True)))
        else:
            query = query.where(lead.section_id.is_(None) if section is None else lead.section_id == section)
        return (query.order_by(Response.updated_at.desc(), Response.id.desc()).limit(limit)
                .options(selectinload(lead.redactions)))

    alone = narrowed(select(Response, Opinion).join(Opinion, Opinion.id == Response.opinion_id)
                     .where(Opinion.group_id.is_(None)), Opinion)
    leads = (select(Opinion.group_id, func.min(Opinion.id).label("lead_id"))
             .where(Opinion.period_id == period.id, Opinion.state == "accepted", Opinion.group_id.is_not(None))
             .group_by(Opinion.group_id).subquery())
    lead = aliased(Opinion)
    grouped = narrowed(select(Response, lead).join(leads, leads.c.group_id == Response.group_id)
                       .join(lead, lead.id == leads.c.lead_id), lead)
    found = [Source(response, opinion) for query in (alone, grouped)
             for response, opinion in db.session.execute(query)]
    found.sort(key=lambda source: (source.response.updated_at, source.response.id), reverse=True)
    return found[:limit]
