"""Comment periods (意見募集): creating, scheduling, extending, withdrawing. Functions flush; views commit.

The rules kept here: a period closes after it opens; one shorter than the city's minimum needs a
reason that is shown publicly; once a period has opened its dates only move to extend it, with a
logged reason; withdrawing needs a reason too.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import signals, uploads
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.settings import get_setting, label_entries, labels, set_setting
from app.core.timeutil import days_between, to_jst, utcnow
from app.extensions import db
from app.periods.messages import error_message
from app.periods.models import CHANNELS, CommentPeriod, PeriodDocument, Section
from app.plans.models import Plan

EDITABLE = ("title", "description", "opens_at", "closes_at", "short_period_reason", "viewing_places",
            "eligibility", "channels", "field_rules", "contact_department", "contact", "body_max_length",
            "max_attachments", "max_attachment_bytes", "receipt_prefix")
DOCUMENT_AREA = "documents"
DOCUMENT_KINDS = ("application/pdf",)


class PeriodError(DomainError):
    """A broken rule; ``field`` names the form field the message belongs next to."""

    def __init__(self, code: str, field: str = "", **params):
        super().__init__(code, field, **params)

    def describe(self) -> str:
        return error_message(self)


def min_days() -> int:
    return int(get_setting("period.min_days"))


def attribute_pairs(language: str | None = None) -> list[tuple[str, str]]:
    """Who may submit, as (code, label) in ``language`` (the page's by default)."""
    return labels("period.attributes", language)


def save_rules(*, min_days: int, attributes: list[list[str]], reason: str, actor) -> None:
    """The city's period rules; only a setting that changes is written (and audited). ``attributes``
    are [code, Japanese label, English label]."""
    if min_days != get_setting("period.min_days"):
        set_setting("period.min_days", min_days, actor=actor, reason=reason)
    if [tuple(entry) for entry in attributes] != label_entries("period.attributes"):
        set_setting("period.attributes", attributes, actor=actor, reason=reason)


def check_dates(opens_at: datetime, closes_at: datetime, reason: str) -> None:
    if closes_at <= opens_at:
        raise PeriodError("closes_before_opens", "closes_on")
    length = days_between(opens_at, closes_at)
    if length < min_days() and not reason.strip():
        raise PeriodError("short_without_reason", "short_period_reason", days=length, min_days=min_days())


def _check_channels(channels: dict[str, str]) -> None:
    if not channels:
        raise PeriodError("no_channel", "accept_web")
    if any(channel not in CHANNELS for channel in channels):
        raise PeriodError("unknown_channel", "accept_web")


def create_period(plan: Plan, data: dict, *, actor) -> CommentPeriod:
    check_dates(data["opens_at"], data["closes_at"], data.get("short_period_reason", ""))
    _check_channels(data["channels"])
    period = CommentPeriod(plan=plan, created_by_id=getattr(actor, "id", None),
                           **{key: data[key] for key in EDITABLE if key in data})
    db.session.add(period)
    db.session.flush()
    record_audit("period.create", period, actor=actor, details={"title": period.title, "plan_id": plan.id})
    return period


def update_period(period: CommentPeriod, data: dict, *, actor, extension_reason: str = "") -> CommentPeriod:
    """Save an edit. After opening, the opening stays put and the closing may only move later."""
    state = period.state()
    if state in ("withdrawn", "published"):
        raise PeriodError(f"locked_{state}")
    # The form speaks in minutes: an unchanged minute keeps the stored instant to the second.
    data = {**data}
    for key in ("opens_at", "closes_at"):
        if _minute(data[key]) == _minute(getattr(period, key)):
            data[key] = getattr(period, key)
    started = state in ("open", "closed")
    if started:
        if data["opens_at"] != period.opens_at:
            raise PeriodError("opening_locked", "opens_on")
        if data["closes_at"] < period.closes_at:
            raise PeriodError("closing_earlier", "closes_on")
        if data["closes_at"] > period.closes_at:
            if state != "open":
                raise PeriodError("extend_closed", "closes_on")
            if not extension_reason.strip():
                raise PeriodError("extension_needs_reason", "extension_reason")
    check_dates(data["opens_at"], data["closes_at"], data.get("short_period_reason", ""))
    _check_channels(data["channels"])
    old_closes = period.closes_at
    changed = [key for key in EDITABLE if key in data and getattr(period, key) != data[key]]
    for key in changed:
        setattr(period, key, data[key])
    db.session.flush()
    if started and period.closes_at > old_closes:
        record_audit("period.extend", period, actor=actor, reason=extension_reason.strip(),
                     details={"old_closes_at": old_closes.isoformat(), "new_closes_at": period.closes_at.isoformat()})
    if changed:
        record_audit("period.update", period, actor=actor, details={"fields": changed})
    return period


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def schedule_period(period: CommentPeriod, *, actor) -> CommentPeriod:
    """Make the draft public; it opens and closes by the clock from now on."""
    if period.status != "draft":
        raise PeriodError("not_draft")
    check_dates(period.opens_at, period.closes_at, period.short_period_reason)
    _check_channels(period.channels)
    period.status = "scheduled"
    db.session.flush()
    record_audit("period.schedule", period, actor=actor)
    return period


def unschedule_period(period: CommentPeriod, *, actor) -> CommentPeriod:
    """Back to draft, only while nobody could have sent anything yet."""
    if period.state() != "scheduled":
        raise PeriodError("already_opened")
    period.status = "draft"
    db.session.flush()
    record_audit("period.unschedule", period, actor=actor)
    return period


def withdraw_period(period: CommentPeriod, *, actor, reason: str) -> CommentPeriod:
    if period.state() in ("withdrawn", "published"):
        raise PeriodError(f"locked_{period.state()}")
    if not reason.strip():
        raise PeriodError("withdraw_needs_reason", "reason")
    period.status = "withdrawn"
    db.session.flush()
    record_audit("period.withdraw", period, actor=actor, reason=reason.strip())
    return period


@dataclass
class SectionRow:
    id: int | None
    label: str
    title: str
    body: str


def save_sections(period: CommentPeriod, rows: list[SectionRow], *, actor) -> None:
    """Replace the list in the order given. A section an opinion already points at cannot be removed."""
    existing = {section.id: section for section in period.sections}
    kept_ids = {row.id for row in rows if row.id in existing}
    removed = [section for section_id, section in existing.items() if section_id not in kept_ids]
    if removed:
        used = signals.section_in_use.send([section.id for section in removed])
        if any(count for _receiver, count in used):
            raise PeriodError("section_in_use", "sections")
    for section in removed:
        period.sections.remove(section)
    # Positions are unique per period: park the kept rows out of the way before numbering them again.
    for offset, section_id in enumerate(kept_ids, start=1):
        existing[section_id].position = -offset
    db.session.flush()
    for position, row in enumerate(rows, start=1):
        section = existing.get(row.id) if row.id in kept_ids else None
        if section is None:
            section = Section(period=period, position=position, label=row.label, title=row.title, body=row.body)
            db.session.add(section)
        else:
            section.position, section.label, section.title, section.body = position, row.label, row.title, row.body
    db.session.flush()
    db.session.expire(period, ["sections"])
    record_audit("period.sections", period, actor=actor, details={"count": len(rows), "removed": len(removed)})


def add_document(period: CommentPeriod, checked: uploads.CheckedFile, title: str, *, actor) -> PeriodDocument:
    stored_name = uploads.store(checked, DOCUMENT_AREA)
    position = max((document.position for document in period.documents), default=0) + 1
    document = PeriodDocument(period=period, position=position, title=title or checked.filename,
                              filename=checked.filename, stored_name=stored_name,
                              content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                              uploaded_by_id=getattr(actor, "id", None))
    db.session.add(document)
    db.session.flush()
    record_audit("period.document_add", period, actor=actor, details={"document_id": document.id,
                                                                       "filename": document.filename})
    return document


def document_of(period: CommentPeriod, document_id: int) -> PeriodDocument | None:
    """One of this period's documents; None for another period's or none at all."""
    document = db.session.get(PeriodDocument, document_id)
    return document if document is not None and document.period_id == period.id else None


def remove_document(document: PeriodDocument, *, actor) -> None:
    period = document.period
    record_audit("period.document_remove", period, actor=actor, details={"document_id": document.id,
                                                                          "filename": document.filename})
    period.documents.remove(document)
    db.session.flush()


# --- what the public sees ---


def all_periods() -> list[CommentPeriod]:
    """Every period for the staff list, newest opening first, with its plan."""
    return list(db.session.scalars(select(CommentPeriod).options(selectinload(CommentPeriod.plan))
                                   .order_by(CommentPeriod.opens_at.desc())))


def public_query():
    return (select(CommentPeriod).join(Plan, CommentPeriod.plan_id == Plan.id)
            .where(CommentPeriod.status == "scheduled", Plan.status == "published")
            .options(selectinload(CommentPeriod.plan)))


def public_periods(now: datetime | None = None) -> dict[str, list[CommentPeriod]]:
    """Open ones first (closing soonest first), then upcoming, then closed (latest first)."""
    now = now or utcnow()
    periods = list(db.session.scalars(public_query()))
    grouped: dict[str, list[CommentPeriod]] = {"open": [], "upcoming": [], "closed": []}
    for period in periods:
        state = period.state(now)
        grouped["upcoming" if state == "scheduled" else "closed" if state in ("closed", "published") else state
                ].append(period)
    grouped["open"].sort(key=lambda p: p.closes_at)
    grouped["upcoming"].sort(key=lambda p: p.opens_at)
    grouped["closed"].sort(key=lambda p: p.closes_at, reverse=True)
    return grouped


def days_left(period: CommentPeriod, now: datetime | None = None) -> int:
    """Calendar days in Japan until the last day, counting today: 1 on the last day."""
    now = now or utcnow()
    return (to_jst(period.closes_at).date() - to_jst(now).date()).days + 1


def page_sections(period: CommentPeriod, place: str, user) -> list[tuple[str, dict]]:
    """What other features add to the period's public or staff page, as (template, context)."""
    user = user if getattr(user, "is_authenticated", False) else None
    return [extra for _receiver, extra in signals.period_page_sections.send(period, place=place, user=user)
            if extra is not None]
