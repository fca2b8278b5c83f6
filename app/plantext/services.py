"""The plan's text: versions, import from the city's layout, publishing. Functions flush; the view commits."""

import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.periods.models import CommentPeriod
from app.plans.models import Plan
from app.plantext.models import PlanVersion, TextBlock, TextSection
from app.plantext.parser import ParseError, parse
from app.plantext.period_sections import anchors

MAX_TEXT_CHARS = 200_000


class TextError(DomainError):
    """A plan text refused: frozen, empty or unreadable; ``line`` is where the parser stopped."""

    def describe(self) -> str:
        params = self.params
        messages = {
            "frozen": _("This version has been published and can no longer change."),
            "too_long": _("The text is too long: keep it within %(max)d characters.", max=MAX_TEXT_CHARS),
            "empty": _("Paste the plan's text or choose a file."),
            "no_headings": _("No headings were found. Start chapters with 第１章, sections with １ and "
                             "sub-sections with （１）."),
            "duplicate_heading": _("Line %(line)d: the heading “%(heading)s” repeats a number already used. "
                                   "Check the numbering.", line=params.get("line", 0),
                                   heading=params.get("heading", "")),
            "long_title": _("Line %(line)d: a heading may have at most 200 characters.", line=params.get("line", 0)),
            "empty_table": _("The table “%(caption)s” has no rows: put the table right under its caption.",
                             caption=params.get("caption", "")),
            "no_sections": _("Import the text before publishing this version."),
        }
        return messages.get(self.code) or super().describe()


def versions(plan: Plan) -> list[PlanVersion]:
    return list(db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                                   .order_by(PlanVersion.id)))


def draft_version(plan: Plan, *, actor) -> PlanVersion:
    """The plan's one version so far (素案), made the first time staff open the text."""
    version = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                          PlanVersion.stage == "soan"))
    if version is None:
        version = PlanVersion(plan=plan, stage="soan")
        db.session.add(version)
        db.session.flush()
        record_audit("plantext.version_create", version, actor=actor, details={"stage": version.stage})
    return version


def import_text(version: PlanVersion, text: str, *, actor) -> PlanVersion:
    """Replace an unpublished version's text by ``text`` read as the city writes it. All or nothing:
    the text is parsed in full before any row changes, and a published version never changes."""
    if version.is_published:
        raise TextError("frozen")
    if not text.strip():
        raise TextError("empty", "text")
    if len(text) > MAX_TEXT_CHARS:
        raise TextError("too_long", "text")
    try:
        parsed = parse(text)
    except ParseError as error:
        raise TextError(error.code, "text", line=error.line, **error.params) from error
    version.sections.clear()
    db.session.flush()
    for position, item in enumerate(parsed):
        section = TextSection(position=position, level=item.level, number=item.number, title=item.title,
                              anchor=item.anchor)
        section.blocks = [TextBlock(position=index, kind=block.kind, text=block.text, rows=block.rows)
                          for index, block in enumerate(item.blocks)]
        version.sections.append(section)
    db.session.flush()
    record_audit("plantext.import", version, actor=actor, details={"sections": len(parsed)})
    return version


def publish_version(version: PlanVersion, *, actor) -> PlanVersion:
    """From now on the version is public and frozen: a later change needs the next version."""
    if version.is_published:
        raise TextError("frozen")
    if not version.sections:
        raise TextError("no_sections")
    version.status, version.published_at = "published", utcnow()
    db.session.flush()
    record_audit("plantext.publish", version, actor=actor, details={"stage": version.stage})
    return version


def public_versions(plan: Plan) -> list[PlanVersion]:
    return [version for version in versions(plan) if version.is_published]


def heading_levels(version: PlanVersion) -> dict[str, int]:
    """{anchor: h2–h4} for the reading page, under its h2 contents: one step deeper at most, so a
    （１） straight under a chapter is an h3, not an h4 after an h2."""
    levels, previous = {}, 2
    for section in version.sections:
        if section.level:
            previous = levels[section.anchor] = min(section.level + 1, previous + 1, 4)
    return levels


@dataclass
class OpinionLink:
    """Where 「この箇所について意見を書く」 goes: the open period's form, its section chosen."""

    period_id: int
    section_id: int | None


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def opinion_links(version: PlanVersion) -> dict[str, OpinionLink]:
    """{anchor: link} for each section of ``version`` while a comment period of its plan is open.

    A period section made from the plan's text (period_sections) is found by the heading's anchor;
    one typed by staff (第1章 1 / 計画の背景) by number and title as written, full- and half-width
    alike, then by title alone when only one has it; a section that matches none links to the form
    with nothing chosen."""
    periods = db.session.scalars(select(CommentPeriod).where(CommentPeriod.plan_id == version.plan_id,
                                                             CommentPeriod.status == "scheduled"))
    period = next((period for period in periods if period.state() == "open"), None)
    if period is None or not version.is_published:
        return {}
    by_display = {_key(f"{section.label}{section.title}"): section.id for section in period.sections}
    titles: dict[str, list[int]] = {}
    for section in period.sections:
        titles.setdefault(_key(section.title), []).append(section.id)
    linked = anchors(period)
    links, chapter, parent = {}, "", None
    for section in version.sections:
        if section.level == 1:
            chapter = section.number
        full = _key(f"{chapter if section.level > 1 else ''}{section.number}{section.title}")
        same_title = titles.get(_key(section.title), [])
        chosen = linked.get(section.anchor) or by_display.get(full) or (same_title[0] if len(same_title) == 1 and section.title else None)
        if section.level == 2:
            parent = chosen
        elif section.level == 3 and chosen is None:
            chosen = parent  # （１） under １ 用語の定義: an opinion on it is about 用語の定義
        links[section.anchor] = OpinionLink(period.id, chosen)
    return links
