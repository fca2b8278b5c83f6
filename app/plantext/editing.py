"""Changing the plan's text after import: the next version as a copy of the last, one section edited.

A version's sections keep their anchors (``ch1-s2-3``, made from the numbering) from one version to
the next, so a section can be compared across versions and a comment period's section stays tied to
it. Functions flush; the view commits. A published version never changes.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.sanitize import keeps_whole
from app.extensions import db
from app.plans.models import Plan
from app.plantext.labels import STAGE_LABELS, STAGES
from app.plantext.models import PlanVersion, TextBlock, TextSection
from app.plantext.parser import ParsedSection, ParseError, parse
from app.plantext.services import MAX_TEXT_CHARS, TextError


class EditError(TextError):
    """A new version or a section's edit refused; codes of its own, the rest worded by TextError."""

    def describe(self) -> str:
        params = self.params
        messages = {
            "publish_first": _("Publish the %(stage)s before starting the next version: until then, change "
                               "the text of the %(stage)s itself.", stage=params.get("stage", "")),
            "last_stage": _("The adopted plan (計画) is the last version: there is no next one."),
            "start_with_heading": _("Start with the section's heading, “%(heading)s”, on the first line.",
                                    heading=params.get("heading", "")),
            "number_changed": _("Keep the heading's number “%(number)s”. To renumber, add or remove sections, "
                                "import the whole text again.", number=params.get("number", "")),
            "extra_heading": _("“%(heading)s” would start another section. Edit one section at a time; to add "
                               "sections, import the whole text again.", heading=params.get("heading", "")),
            "unsafe": _("“%(start)s…” holds HTML or a link this site does not show (for example <b> or "
                        "javascript:). Write it in Markdown: **bold**, [text](https://…).",
                        start=params.get("start", "")),
        }
        return messages.get(self.code) or super().describe()


def latest_version(plan: Plan) -> PlanVersion | None:
    """The furthest stage the plan's text has reached: the one staff work on."""
    return (versions_of(plan) or [None])[-1]


def versions_of(plan: Plan) -> list[PlanVersion]:
    """Every version of the plan's text, 素案 first."""
    found = db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id))
    return sorted(found, key=lambda version: STAGES.index(version.stage))


def next_stage(version: PlanVersion) -> str | None:
    index = STAGES.index(version.stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def create_next_version(plan: Plan, *, actor) -> PlanVersion:
    """The next stage (素案 → 案 → 最終案 → 計画), its text a copy of the latest version's, which must be
    published: the copy is where the changes go, the published one stays as it was put to the public."""
    db.session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())  # one at a time
    latest = latest_version(plan)
    if latest is None or not latest.is_published:
        stage = latest.stage_label if latest is not None else str(STAGE_LABELS["soan"])
        raise EditError("publish_first", stage=stage)
    stage = next_stage(latest)
    if stage is None:
        raise EditError("last_stage")
    version = PlanVersion(plan=plan, stage=stage)
    version.sections = [
        TextSection(position=section.position, level=section.level, number=section.number, title=section.title,
                    anchor=section.anchor,
                    blocks=[TextBlock(position=block.position, kind=block.kind, text=block.text,
                                      rows=[list(row) for row in block.rows or []]) for block in section.blocks])
        for section in latest.sections]
    db.session.add(version)
    db.session.flush()
    record_audit("plantext.version_create", version, actor=actor,
                 details={"stage": stage, "from": latest.stage, "sections": len(version.sections)})
    return version


def _cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ")


def heading_line(section: TextSection) -> str:
    return f"{section.number}　{section.title}" if section.title else section.number


def section_source(section: TextSection) -> str:
    """The section as the city writes it, which the parser reads back to the same heading and blocks:
    its heading, then each paragraph, ※ note and captioned table after a blank line."""
    parts = [heading_line(section)] if section.level else []
    for block in section.blocks:
        if block.kind != "table":
            parts.append(block.text)
            continue
        header, *rows = block.rows or [[""]]
        lines = [f"【{block.text}】"] if block.text else []
        lines += ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _ancestors(section: TextSection) -> list[TextSection]:
    """The chapter (and section) headings above ``section``: the parser numbers it from them."""
    open_at: dict[int, TextSection] = {}
    for other in section.version.sections:
        if other is section:
            break
        if other.level:
            open_at = {level: found for level, found in open_at.items() if level < other.level}
            open_at[other.level] = other
    return [open_at[level] for level in sorted(open_at) if level < section.level]


def _read(section: TextSection, text: str) -> ParsedSection:
    """``text`` read as ``section`` again: the same heading number, no other heading."""
    context = [heading_line(ancestor) for ancestor in _ancestors(section)]
    try:
        parsed = parse("\n".join([*context, text]), headings_required=bool(section.level))
    except ParseError as error:
        line = max(error.line - len(context), 1) if error.line else 0
        raise EditError(error.code, "text", line=line, **error.params) from error
    found = parsed[len(context):]
    if section.level == 0:
        if len(found) > 1 or (found and found[0].level):
            extra = found[1] if len(found) > 1 else found[0]
            raise EditError("extra_heading", "text", heading=f"{extra.number} {extra.title}".strip())
        return found[0] if found else ParsedSection(0, "", "", section.anchor)
    if any(ancestor.blocks for ancestor in parsed[:len(context)]) or not found or not found[0].level:
        raise EditError("start_with_heading", "text", heading=heading_line(section))
    if found[0].anchor != section.anchor:
        raise EditError("number_changed", "text", number=section.number)
    if len(found) > 1:
        raise EditError("extra_heading", "text", heading=f"{found[1].number} {found[1].title}".strip())
    return found[0]


def edit_section(section: TextSection, text: str, *, actor) -> TextSection:
    """Replace one section's heading title and blocks by ``text`` in the city's layout, in a version
    not yet published. All or nothing: read in full and checked by the one sanitiser first."""
    if section.version.is_published:
        raise EditError("frozen")
    if not text.strip() and section.level:
        raise EditError("start_with_heading", "text", heading=heading_line(section))
    if len(text) > MAX_TEXT_CHARS:
        raise EditError("too_long", "text")
    parsed = _read(section, text)
    for block in parsed.blocks:
        if block.kind != "table" and not keeps_whole(block.text):
            raise EditError("unsafe", "text", start=block.text[:30])
    section.number, section.title = parsed.number or section.number, parsed.title
    section.blocks.clear()
    db.session.flush()
    section.blocks = [TextBlock(position=index, kind=block.kind, text=block.text, rows=block.rows)
                      for index, block in enumerate(parsed.blocks)]
    db.session.flush()
    record_audit("plantext.section_edit", section.version, actor=actor,
                 details={"anchor": section.anchor, "blocks": len(parsed.blocks)})
    return section


def whole_source(version: PlanVersion) -> str:
    """The version's whole text in the city's layout: what the import box starts with, to rework and
    import again when sections are added, removed or renumbered."""
    return "\n".join(section_source(section) for section in version.sections)
