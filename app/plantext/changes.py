"""The result's 修正内容 built from the plan's text: the diff from the version a comment period put to
comment to the next version, one row per changed section, each linked by staff to the opinions that
caused it. Being the diff itself, the table cannot disagree with it. Functions flush; views commit."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.plantext.change_models import ChangeOpinion, PeriodTextVersion
from app.plantext.diff import SectionDiff, changed_sections
from app.plantext.labels import STAGES
from app.plantext.models import PlanVersion
from app.plantext.services import versions


class ChangeError(DomainError):
    def describe(self) -> str:
        messages = {
            "not_this_plan": _("Choose a version of this period's plan."),
            "no_change": _("This section did not change between the two versions."),
            "not_this_period": _("Choose opinions of this comment period."),
            "result_published": _("The result has been published: its table of changes can no longer change."),
        }
        return messages.get(self.code) or super().describe()


def in_order(plan) -> list[PlanVersion]:
    """The plan's versions from 素案 to 計画."""
    return sorted(versions(plan), key=lambda version: (STAGES.index(version.stage), version.id))


def visible_versions(plan, user) -> list[PlanVersion]:
    return [version for version in in_order(plan) if version.can_view(user)]


def commented_version(period: CommentPeriod) -> PlanVersion | None:
    link = db.session.get(PeriodTextVersion, period.id)
    return link.version if link else None


def next_version(version: PlanVersion, *, published_only: bool) -> PlanVersion | None:
    """The version after ``version`` (案 after 素案); with ``published_only`` the next public one."""
    later = in_order(version.plan)
    later = later[later.index(version) + 1:]
    return next((v for v in later if v.is_published or not published_only), None)


def _check_open(period: CommentPeriod) -> None:
    """Once the result is out, only an erratum changes what readers see: its 修正内容 stays as it is."""
    if period.results_published_at is not None:
        raise ChangeError("result_published")


def set_commented_version(period: CommentPeriod, version_id: int | None, *, actor) -> PlanVersion | None:
    """Say which version of the plan's text the period put to comment (None: none of them)."""
    _check_open(period)
    link = db.session.get(PeriodTextVersion, period.id)
    version = db.session.get(PlanVersion, version_id) if version_id else None
    if version_id and (version is None or version.plan_id != period.plan_id):
        raise ChangeError("not_this_plan", "version")
    if version is None:
        if link is not None:
            db.session.delete(link)
    elif link is None:
        db.session.add(PeriodTextVersion(period_id=period.id, version_id=version.id))
    else:
        link.version_id = version.id
    db.session.flush()
    record_audit("plantext.period_version", period, actor=actor,
                 details={"version": version.id if version else None})
    return version


@dataclass
class TextChanges:
    """The changed sections between the commented version and the next, with their opinions' ids."""

    old: PlanVersion
    new: PlanVersion
    sections: list[SectionDiff]
    opinions: dict[str, list[int]] = field(default_factory=dict)  # anchor -> opinion ids

    def section(self, anchor: str) -> SectionDiff | None:
        return next((diff for diff in self.sections if diff.anchor == anchor), None)


def text_changes(period: CommentPeriod, *, published_only: bool = True) -> TextChanges | None:
    """None when the period has no version linked or there is no next version yet."""
    old = commented_version(period)
    new = next_version(old, published_only=published_only) if old else None
    if new is None:
        return None
    sections = changed_sections(old, new)
    changes = TextChanges(old, new, sections)
    anchors = {diff.anchor for diff in sections}
    for link in db.session.scalars(select(ChangeOpinion).where(ChangeOpinion.period_id == period.id)
                                   .order_by(ChangeOpinion.opinion_id)):
        if link.anchor in anchors:  # a link to a section that no longer changes is kept, not shown
            changes.opinions.setdefault(link.anchor, []).append(link.opinion_id)
    return changes


def link_opinions(period: CommentPeriod, anchor: str, opinion_ids: list[int], *, actor) -> list[int]:
    """The opinions that caused the change of section ``anchor``: exactly ``opinion_ids`` from now on.
    Only accepted opinions of this period, and only a section the diff shows as changed."""
    _check_open(period)
    changes = text_changes(period, published_only=False)
    if changes is None or changes.section(anchor) is None:
        raise ChangeError("no_change")
    wanted = set(opinion_ids)
    accepted = set(db.session.scalars(select(Opinion.id).where(Opinion.period_id == period.id,
                                                               Opinion.state == "accepted",
                                                               Opinion.id.in_(wanted))))
    if accepted != wanted:
        raise ChangeError("not_this_period", "opinions")
    db.session.execute(delete(ChangeOpinion).where(ChangeOpinion.period_id == period.id,
                                                   ChangeOpinion.anchor == anchor))
    db.session.add_all(ChangeOpinion(period_id=period.id, anchor=anchor, opinion_id=opinion_id)
                       for opinion_id in sorted(wanted))
    db.session.flush()
    record_audit("plantext.change_opinions", period, actor=actor,
                 details={"section": anchor, "opinions": sorted(wanted)})
    return sorted(wanted)


@dataclass
class ResultChange:
    """A row of the published 修正内容: what the public result page and its exports show."""

    section: str
    anchor: str
    status: str
    lines: list  # app.plantext.diff.Line, changed lines only
    numbers: list[int]  # the result's rows (opinion and answer) that caused it

    @property
    def before(self) -> str:
        return "\n".join("".join(run.text for run in line.old) for line in self.lines if line.old)

    @property
    def after(self) -> str:
        return "\n".join("".join(run.text for run in line.new) for line in self.lines if line.new)


def result_changes(period: CommentPeriod, numbers: dict[int, int] | None = None) -> list[ResultChange] | None:
    """Receiver of ``signals.result_changes``: the period's 修正内容 from the published versions, each
    row with the result's row numbers of its opinions; None when the period has no plan text to diff."""
    changes = text_changes(period)
    if changes is None:
        return None
    numbers = numbers or {}
    rows = []
    for diff in changes.sections:
        linked = sorted({numbers[i] for i in changes.opinions.get(diff.anchor, []) if i in numbers})
        rows.append(ResultChange(diff.display, diff.anchor, diff.status, diff.changed_lines, linked))
    return rows
