"""A comment period's sections made from the plan's text (本文の章・節から作成), so that nobody types
them again, each tied to its heading by the anchor every version keeps (``ch1-s2``).

A period section that already exists under the same heading is kept and renamed, not replaced:
the opinions that point at it keep pointing at it. One that matches no heading is removed, unless
an opinion points at it; then it stays at the end of the list.
"""

import unicodedata

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core import signals
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.extensions import db
from app.periods.models import CommentPeriod, Section
from app.periods.services import SectionRow, save_sections
from app.plantext.models import PlanVersion, TextSection

DEPTHS = (1, 2, 3)  # chapters; chapters and sections; down to sub-sections


class SectionSource(db.Model):
    """The heading of the plan's text a period's section was made from."""

    __tablename__ = "period_section_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    anchor: Mapped[str] = mapped_column(String(40))


class PeriodSectionsError(DomainError):
    def describe(self) -> str:
        messages = {
            "no_text": _("This version has no text yet: import it first."),
            "other_plan": _("Choose a version of this period's plan."),
        }
        return messages.get(self.code) or super().describe()


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def period_label(section: TextSection, chapter: TextSection | None, parent: TextSection | None) -> str:
    """第１章 / 第１章 １ / 第１章 １（１）: where the heading sits, as the period's list shows it."""
    if section.level == 1:
        return section.number
    above = [chapter.number] if chapter is not None else []
    if section.level == 3 and parent is not None:
        return " ".join([*above, parent.number]) + section.number
    return " ".join([*above, section.number])


def headings(version: PlanVersion, depth: int) -> list[tuple[TextSection, str]]:
    """The version's headings down to ``depth``, each with its label for the period."""
    result, chapter, parent = [], None, None
    for section in version.sections:
        if section.level == 1:
            chapter, parent = section, None
        elif section.level == 2:
            parent = section
        if 0 < section.level <= depth:
            result.append((section, period_label(section, chapter, parent)))
    return result


def anchors(period: CommentPeriod) -> dict[str, int]:
    """{anchor: the period's section id} for the sections made from the plan's text."""
    rows = db.session.execute(select(SectionSource.anchor, SectionSource.section_id)
                              .join(Section, Section.id == SectionSource.section_id)
                              .where(Section.period_id == period.id))
    return {anchor: section_id for anchor, section_id in rows}


def _in_use(section: Section) -> bool:
    return any(count for _receiver, count in signals.section_in_use.send([section.id]))


def sections_from_text(period: CommentPeriod, version: PlanVersion, depth: int, *, actor) -> int:
    """Make ``period``'s sections the headings of ``version`` down to ``depth``; returns how many
    sections an opinion points at that match no heading and were kept."""
    if version.plan_id != period.plan_id:
        raise PeriodSectionsError("other_plan", "version")
    chosen = headings(version, depth)
    if not chosen:
        raise PeriodSectionsError("no_text", "version")
    existing = list(period.sections)
    by_anchor = anchors(period)
    by_heading = {_key(section.display): section.id for section in existing}
    titles: dict[str, list[int]] = {}
    for section in existing:
        titles.setdefault(_key(section.title), []).append(section.id)
    rows, used_ids, sources = [], set(), []
    for text_section, label in chosen:
        same_title = titles.get(_key(text_section.title), [])
        match = (by_anchor.get(text_section.anchor) or by_heading.get(_key(f"{label}{text_section.title}"))
                 or (same_title[0] if len(same_title) == 1 else None))
        match = None if match in used_ids else match
        used_ids.add(match)
        body = next((section.body for section in existing if section.id == match), "")  # staff's own words stay
        rows.append(SectionRow(match, label, text_section.title, body))
        sources.append(text_section.anchor)
    kept = [section for section in existing if section.id not in used_ids and _in_use(section)]
    rows += [SectionRow(section.id, section.label, section.title, section.body) for section in kept]
    sources += [None] * len(kept)
    db.session.execute(delete(SectionSource).where(SectionSource.section_id.in_([s.id for s in existing])))
    save_sections(period, rows, actor=actor)
    by_position = {section.position: section.id for section in period.sections}
    for position, anchor in enumerate(sources, start=1):
        if anchor is not None:
            db.session.add(SectionSource(section_id=by_position[position], version_id=version.id, anchor=anchor))
    db.session.flush()
    record_audit("plantext.period_sections", period, actor=actor,
                 details={"version": version.id, "stage": version.stage, "depth": depth,
                          "sections": len(chosen), "kept": len(kept)})
    return len(kept)


def text_versions(period: CommentPeriod) -> list[PlanVersion]:
    """The versions of the period's plan that have text, the furthest stage first."""
    found = db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == period.plan_id)
                               .order_by(PlanVersion.id.desc()))
    return [version for version in found if version.sections]
