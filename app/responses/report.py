"""What the public may read of a result, gathered once for the page and for every export.

Only this module decides what leaves the building: each row carries an opinion's public text
(summary or excerpt, redactions applied), its approved answer and category, and nothing about who
sent it. Withheld, pending and unapproved material never gets into these rows.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import groupby

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from app.core import signals
from app.core.pagination import Page
from app.core.sanitize import MARKUP, render_markdown
from app.core.settings import labels
from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.services import public_text
from app.periods.models import CHANNELS, CommentPeriod, Section
from app.responses.models import DraftChange, Erratum, Response, Result
from app.responses.results import compute_counts, result_for
from app.responses.services import category_labels, period_targets

WITHHOLD_LABELS = {
    "third_party": _l("Could harm the rights or interests of a third party"),
    "defamation": _l("Defamatory or abusive"),
    "advertising": _l("Advertising"),
    "unrelated": _l("Not about the draft"),
    "duplicate": _l("Sent more than once"),
    "other": _l("Other reasons"),
}


def withhold_label(code: str) -> str:
    return str(WITHHOLD_LABELS.get(code or "other", WITHHOLD_LABELS["other"]))


@dataclass
class Row:
    number: int
    section: str
    opinion: str
    similar: int  # how many opinions this answer covers: 1, or the size of the group
    answer: str  # Markdown, approved text
    category: str
    category_label: str
    section_id: int | None = None


@dataclass
class Change:
    number: int | str  # the row whose answer brought it ("3、5" for a change of the plan's text)
    section: str
    before: str
    after: str
    numbers: list[int] = field(default_factory=list)  # a change of the plan's text: its rows
    lines: list = field(default_factory=list)  # ... and the diff's changed lines, marked on the page


@dataclass
class PublicResult:
    period: CommentPeriod
    result: Result | None
    counts: dict
    sections: list[tuple[str, list[Row]]]
    changes: list[Change]
    errata: list[Erratum]

    @property
    def rows(self) -> list[Row]:
        return [row for _, rows in self.sections for row in rows]

    @property
    def by_channel(self) -> list[tuple[str, dict]]:
        return _ordered(self.counts["by_channel"], list(CHANNELS))

    @property
    def by_attribute(self) -> list[tuple[str, dict]]:
        return _ordered(self.counts["by_attribute"], [code for code, _label in labels("period.attributes")])

    @property
    def title(self) -> str:
        return self.result.title if self.result and self.result.title else self.period.title


def _ordered(counts: dict, order: list[str]) -> list[tuple[str, dict]]:
    """Counts in the city's order (channels as listed, attributes as set), unknown and blank last."""
    return sorted(counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def public_result(period: CommentPeriod) -> PublicResult:
    """The result as published (or as it would be, for a staff preview): approved answers only."""
    result = result_for(period)
    labels = category_labels()
    sections: list[tuple[str, list[Row]]] = []
    changes: list[Change] = []
    number = 0
    numbers: dict[int, int] = {}  # opinion id -> its row
    for target in period_targets(period):
        response = target.response
        if response is None or response.state != "approved":
            continue
        number += 1
        numbers.update((opinion.id, number) for opinion in target.opinions)
        section = target.section.display if target.section else ""
        row = Row(number, section, public_text(target.lead), len(target.opinions), response.body,
                  response.category, labels.get(response.category, response.category))
        if not sections or sections[-1][0] != section:
            sections.append((section, []))
        sections[-1][1].append(row)
        changes.extend(Change(number, change.section.display if change.section else "", change.before, change.after)
                       for change in response.changes)
    from_text = next((rows for _receiver, rows in signals.result_changes.send(period, numbers=numbers)
                      if rows is not None), None)
    if from_text is not None:  # the plan's text was diffed: its changed sections replace typed pairs
        changes = [Change("、".join(map(str, row.numbers)), row.section, row.before, row.after, row.numbers,
                          row.lines) for row in from_text]
    counts = result.counts if result is not None and result.published_at is not None else compute_counts(period)
    return PublicResult(period, result, counts, sections, changes, list(result.errata) if result else [])


# --- the same result read from the database a page or a chunk at a time (issue 20) ---
#
# ``public_result`` builds every row in memory: right for a few hundred opinions, seconds and
# hundreds of megabytes at 20,000. Below, the published targets (an accepted opinion alone, or a
# group of them, with an approved answer) are rows of one SQL query in the same order as
# ``period_targets`` (the section's position, the draft as a whole last, then the lead opinion);
# a page or an export chunk loads only its own opinions and answers. Row numbers are positions in
# that order, as before, so "No. 1234" is the same row on the page, in every file and in the API.

PER_PAGE = 50
EXPORT_CHUNK = 500


def _published_targets(period: CommentPeriod):
    """One row per published target: its opinion (alone) or group, lead opinion, members, section and
    answer. Only lone opinions are not aggregated; grouped ones are, and joined to their lead."""
    accepted = (Opinion.period_id == period.id, Opinion.state == "accepted")
    no_id = cast(null(), Integer)
    alone = (select(Opinion.id.label("opinion_id"), no_id.label("group_id"), Opinion.id.label("lead_id"),
                    literal(1).label("similar"), Opinion.section_id.label("section_id"),
                    Response.id.label("response_id"))
             .join(Response, and_(Response.opinion_id == Opinion.id, Response.period_id == period.id))
             .where(*accepted, Opinion.group_id.is_(None), Response.state == "approved"))
    members = (select(Opinion.group_id, func.min(Opinion.id).label("lead_id"), func.count().label("similar"))
               .where(*accepted, Opinion.group_id.is_not(None)).group_by(Opinion.group_id).subquery())
    lead = aliased(Opinion)
    groups = (select(no_id, members.c.group_id, members.c.lead_id, members.c.similar, lead.section_id, Response.id)
              .join(lead, lead.id == members.c.lead_id)
              .join(Response, and_(Response.group_id == members.c.group_id, Response.period_id == period.id))
              .where(Response.state == "approved"))
    return union_all(alone, groups).subquery()


def _order(targets) -> tuple:
    """The result's order: by the section's position, the draft as a whole last, then the lead opinion."""
    return targets.c.section_id.is_(None), func.coalesce(Section.position, 0), targets.c.lead_id


def _numbered(period: CommentPeriod):
    """The published targets with their row number, their place in their part of the draft and its size."""
    targets = _published_targets(period)
    return (select(targets, func.row_number().over(order_by=_order(targets)).label("number"),
                   func.row_number().over(partition_by=targets.c.section_id, order_by=targets.c.lead_id)
                   .label("in_part"),
                   func.count().over(partition_by=targets.c.section_id).label("part_size"))
            .outerjoin(Section, Section.id == targets.c.section_id).subquery())


@dataclass
class SectionEntry:
    """A part of the draft in the result's table of contents: its rows are ``first`` to ``last``."""

    section_id: int | None
    label: str
    count: int
    first: int

    @property
    def last(self) -> int:
        return self.first + self.count - 1

    @property
    def anchor(self) -> str:
        return f"part-{self.section_id if self.section_id is not None else 'whole'}"


@dataclass
class Part:
    """The rows of one part of the draft on a page (``continued``: its first rows are on an earlier page)."""

    label: str
    anchor: str
    rows: list[Row] | Iterator[Row]
    continued: bool = False


def _survey(period: CommentPeriod, first: int, last: int):
    """One pass over the numbered targets: the rows numbered ``first`` to ``last``, the first row of each
    part of the draft (which gives the table of contents and the total) and the rows whose answer
    changes the draft (for the numbers of the changes). Returns (rows, index, {answer id: row})."""
    numbered = _numbered(period)
    changing = (select(DraftChange.response_id).join(Response, Response.id == DraftChange.response_id)
                .where(Response.period_id == period.id))
    found = db.session.execute(
        select(numbered).where(or_(numbered.c.number.between(first, last), numbered.c.in_part == 1,
                                   numbered.c.response_id.in_(changing)))
        .order_by(numbered.c.number)).all()
    labels = _section_labels(period)
    index = [SectionEntry(r.section_id, labels.get(r.section_id, ""), r.part_size, r.number)
             for r in found if r.in_part == 1]
    return ([r for r in found if first <= r.number <= last], index, {r.response_id: r.number for r in found})


def _rows(found, numbers, section_labels: dict, answer_labels: dict) -> list[Row]:
    """Rows for target rows: their lead opinions (with redactions) and answers, in three queries."""
    if not found:
        return []
    leads = {o.id: o for o in db.session.scalars(
        select(Opinion).where(Opinion.id.in_([r.lead_id for r in found])).options(selectinload(Opinion.redactions)))}
    answers = {r.id: (r.body, r.category) for r in db.session.execute(
        select(Response.id, Response.body, Response.category).where(Response.id.in_([r.response_id for r in found])))}
    rows = []
    for number, target in zip(numbers, found, strict=True):
        body, category = answers[target.response_id]
        rows.append(Row(number, section_labels.get(target.section_id, ""), public_text(leads[target.lead_id]),
                        target.similar, body, category, answer_labels.get(category, category), target.section_id))
    return rows


def _section_labels(period: CommentPeriod) -> dict[int, str]:
    return {s.id: s.display for s in db.session.scalars(select(Section).where(Section.period_id == period.id))}


def iter_rows(period: CommentPeriod, chunk: int = EXPORT_CHUNK) -> Iterator[Row]:
    """Every published row in order: the targets' ids in one query (four numbers a row), then their
    texts and answers ``chunk`` rows at a time. What the exports stream."""
    targets = _published_targets(period)
    order = db.session.execute(
        select(targets.c.lead_id, targets.c.similar, targets.c.section_id, targets.c.response_id)
        .outerjoin(Section, Section.id == targets.c.section_id).order_by(*_order(targets))).all()
    section_labels, answer_labels = _section_labels(period), category_labels()
    for start in range(0, len(order), chunk):
        found = order[start:start + chunk]
        # Nothing keeps a chunk's opinions once its rows are written: the session holds them weakly.
        yield from _rows(found, range(start + 1, start + 1 + len(found)), section_labels, answer_labels)


def section_index(period: CommentPeriod) -> list[SectionEntry]:
    """How many published rows each part of the draft has, in the result's order."""
    return _survey(period, 1, 0)[1]


def _parts(rows, index: list[SectionEntry]) -> Iterator[Part]:
    """Rows grouped by part of the draft, each part knowing whether it began on an earlier page. Over a
    list (a page) each part's rows are a list; over a stream they are read as the part is written."""
    entries = {entry.section_id: entry for entry in index}
    for section_id, members in groupby(rows, key=lambda row: row.section_id):
        entry = entries.get(section_id) or SectionEntry(section_id, "", 0, 0)
        if isinstance(rows, list):
            members = list(members)
            yield Part(entry.label, entry.anchor, members, continued=members[0].number > entry.first)
        else:
            yield Part(entry.label, entry.anchor, members)


class _RowNumbers(Mapping):
    """{opinion id: its row} for every published opinion, read only if a receiver asks (the plan's
    text diff links its changes to rows); most periods have no such text and never pay for it."""

    def __init__(self, period: CommentPeriod):
        self.period = period
        self._numbers: dict[int, int] | None = None

    def _load(self) -> dict[int, int]:
        if self._numbers is None:
            numbered = _numbered(self.period)
            accepted = (Opinion.period_id == self.period.id, Opinion.state == "accepted")
            # Two equality joins, not one with an OR (which plans as a nested loop).
            self._numbers = {}
            for joined in (and_(Opinion.group_id.is_(None), Opinion.id == numbered.c.opinion_id),
                           Opinion.group_id == numbered.c.group_id):
                self._numbers.update(db.session.execute(
                    select(Opinion.id, numbered.c.number).join(numbered, joined).where(*accepted)).all())
        return self._numbers

    def __bool__(self) -> bool:
        return True

    def __getitem__(self, key):
        return self._load()[key]

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _changes(period: CommentPeriod, numbers: dict[int, int]) -> list[Change]:
    """修正内容: from the plan's text when it was diffed, else the pairs typed with the answers, in row
    order. ``numbers`` holds {answer id: row} for at least every published answer that has a change."""
    from_text = next((rows for _receiver, rows in signals.result_changes.send(period, numbers=_RowNumbers(period))
                      if rows is not None), None)
    if from_text is not None:
        return [Change("、".join(map(str, row.numbers)), row.section, row.before, row.after, row.numbers, row.lines)
                for row in from_text]
    typed = db.session.scalars(select(DraftChange).where(DraftChange.response_id.in_(list(numbers)))
                               .options(selectinload(DraftChange.section))).all() if numbers else []
    return [Change(numbers[change.response_id], change.section.display if change.section else "", change.before,
                   change.after) for change in sorted(typed, key=lambda c: (numbers[c.response_id], c.id))]


@dataclass
class ResultPage(PublicResult):
    """One page of the result (or, with ``page`` None, all of it as a stream of parts, for the exports):
    the facts, counts, changes and corrections in full, and the page's rows."""

    page: Page | None = None
    index: list[SectionEntry] = field(default_factory=list)
    parts: list[Part] | Iterator[Part] = field(default_factory=list)
    row_count: int = 0

    @property
    def rows(self) -> list[Row]:
        if self.page is None:
            raise TypeError("a streamed result has no list of rows: iterate its parts")
        return [row for part in self.parts for row in part.rows]

    def page_of(self, number: int) -> int:
        """The page that shows row ``number``."""
        return (number - 1) // (self.page.per_page if self.page else PER_PAGE) + 1


def _header(period: CommentPeriod, numbers: dict[int, int]) -> dict:
    result = result_for(period)
    counts = result.counts if result is not None and result.published_at is not None else compute_counts(period)
    return {"period": period, "result": result, "counts": counts, "changes": _changes(period, numbers),
            "errata": list(result.errata) if result else []}


def result_page(period: CommentPeriod, number: int = 1, per_page: int = PER_PAGE) -> ResultPage:
    """Page ``number`` of the result: only its rows are read. A page past the last shows the last."""
    number = max(1, number)
    first = (number - 1) * per_page + 1
    found, index, numbers = _survey(period, first, first + per_page - 1)
    total = sum(entry.count for entry in index)
    pages = max(1, -(-total // per_page))
    if number > pages:
        number, first = pages, (pages - 1) * per_page + 1
        found, index, numbers = _survey(period, first, first + per_page - 1)
    rows = _rows(found, [r.number for r in found], _section_labels(period), category_labels())
    parts = list(_parts(rows, index))
    return ResultPage(**_header(period, numbers), sections=[(part.label, part.rows) for part in parts],
                      page=Page(items=rows, page=number, per_page=per_page, total=total), index=index, parts=parts,
                      row_count=total)


def streamed_result(period: CommentPeriod, chunk: int = EXPORT_CHUNK) -> ResultPage:
    """All of the result for a file: its parts and rows are read from the database as they are written,
    so they can be iterated once."""
    _found, index, numbers = _survey(period, 1, 0)
    return ResultPage(**_header(period, numbers), sections=[], page=None, index=index,
                      parts=_parts(iter_rows(period, chunk), index), row_count=sum(e.count for e in index))


class _TextOnly(HTMLParser):
    BLOCKS = {"p", "li", "br", "h2", "h3", "h4", "tr", "pre", "blockquote"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self.parts.append("・")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def markdown_text(body: str | None) -> str:
    """An answer's Markdown as plain text for spreadsheets and the PDF: what the page shows, unstyled.

    Most answers are prose with none of Markdown's marks; such an answer's text is its own lines, which is
    what rendering it would give (tests/responses/test_markdown_text.py holds the two to the same text).
    Rendering, cleaning and reading back each answer was a seventh of a big result's PDF (bench/README.md,
    thirty-ninth session)."""
    body = body or ""
    return html_text(render_markdown(body)) if MARKUP.search(body) else _lines(body)


def html_text(html: str) -> str:
    """An answer's rendered HTML (``render_markdown``) as ``markdown_text`` gives it, for a caller that has
    rendered it already."""
    parser = _TextOnly()
    parser.feed(str(html))
    return _lines("".join(parser.parts))


def _lines(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)
