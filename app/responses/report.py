"""What the public may read of a result, gathered once for the page and for every export.

Only this module decides what leaves the building: each row carries an opinion's public text
(summary or excerpt, redactions applied), its approved answer and category, and nothing about who
sent it. Withheld, pending and unapproved material never gets into these rows.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.sanitize import render_markdown
from app.core.settings import labels
from app.moderation.services import public_text
from app.periods.models import CHANNELS, CommentPeriod
from app.responses.models import Erratum, Result
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


def markdown_text(body: str) -> str:
    """An answer's Markdown as plain text for spreadsheets and the PDF: what the page shows, unstyled."""
    parser = _TextOnly()
    parser.feed(str(render_markdown(body)))
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)
