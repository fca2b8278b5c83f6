"""Workshops: creating, editing, publishing, cancelling, and what lists and timelines show.

Functions flush; the view or job commits. A broken rule raises ``WorkshopError`` with a code
(and the form field it concerns) for the view to word.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.accounts.models import User, UserRole
from app.core import signals
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.plans.models import Plan
from app.plans.services import TimelineEntry
from app.workshops.labels import KIND_LABELS, STEP_KINDS
from app.workshops.messages import error_message
from app.workshops.models import KINDS, Registration, Workshop
from app.workshops.tasks import notify_registration

EDITABLE = (
    "title", "kind", "theme", "content", "starts_at", "ends_at", "venue_name", "venue_address", "venue_access",
    "venue_accessibility", "online_url", "max_party_size", "eligibility", "contact_mode",
    "signup_opens_at", "signup_closes_at", "question_1", "question_2", "note_kinds",
)


class WorkshopError(DomainError, ValueError):
    """A rule was broken; ``code`` names which and ``field`` the input it concerns."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code, field)

    def describe(self) -> str:
        return error_message(self.code)


@dataclass
class Counts:
    """Seats and people of one workshop, as staff read them at a glance."""

    confirmed_seats: int = 0
    confirmed: int = 0
    waitlisted_seats: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    attended_seats: int = 0

    def seats_left(self, capacity: int) -> int:
        return max(0, capacity - self.confirmed_seats)


def lock_workshop(workshop_id: int) -> Workshop:
    """Reload the workshop holding its row lock until commit: sign-ups, cancellations and
    capacity changes for one workshop then happen one after another, so seats are never
    counted twice. (SQLite serialises writers already with BEGIN IMMEDIATE.)"""
    workshop = db.session.scalar(
        select(Workshop).where(Workshop.id == workshop_id).with_for_update(of=Workshop)
        .execution_options(populate_existing=True)
    )
    if workshop is None:
        raise WorkshopError("not_found")
    return workshop


def confirmed_seats(workshop_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Registration.party_size), 0))
        .where(Registration.workshop_id == workshop_id, Registration.status == "confirmed")
    )


def counts_for(workshop_ids: list[int]) -> dict[int, Counts]:
    """Counts for many workshops in one query."""
    result = {workshop_id: Counts() for workshop_id in workshop_ids}
    if not workshop_ids:
        return result
    rows = db.session.execute(
        select(
            Registration.workshop_id,
            Registration.status,
            func.count(),
            func.coalesce(func.sum(Registration.party_size), 0),
            func.coalesce(func.sum(case((Registration.attended_at.is_not(None), Registration.party_size),
                                        else_=0)), 0),
        )
        .where(Registration.workshop_id.in_(workshop_ids))
        .group_by(Registration.workshop_id, Registration.status)
    )
    for workshop_id, status, people, seats, attended in rows:
        counts = result[workshop_id]
        counts.attended_seats += attended
        if status == "confirmed":
            counts.confirmed, counts.confirmed_seats = people, seats
        elif status == "waitlisted":
            counts.waitlisted, counts.waitlisted_seats = people, seats
        else:
            counts.cancelled = people
    return result


def facilitator_choices() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == "facilitator", User.active.is_(True))
        .order_by(User.display_name, User.email)
    ))


def _check_dates(data: dict) -> None:
    if data["ends_at"] <= data["starts_at"]:
        raise WorkshopError("ends_before_start", "end_time")
    if data["signup_closes_at"] <= data["signup_opens_at"]:
        raise WorkshopError("signup_window_order", "signup_closes_at")
    if data["signup_closes_at"] > data["starts_at"]:
        raise WorkshopError("signup_closes_after_start", "signup_closes_at")


def _set_facilitators(workshop: Workshop, facilitator_ids: list[int]) -> None:
    chosen = list(db.session.scalars(select(User).where(User.id.in_(facilitator_ids)))) if facilitator_ids else []
    if any(not user.has_role("facilitator") for user in chosen) or len(chosen) != len(set(facilitator_ids)):
        raise WorkshopError("not_a_facilitator", "facilitators")
    workshop.facilitators = chosen


def create_workshop(plan: Plan, data: dict, *, actor, facilitator_ids: list[int] = ()) -> Workshop:
    if not plan.can_edit(actor):
        raise WorkshopError("forbidden")
    _check_dates(data)
    if data["max_party_size"] > data["capacity"]:
        raise WorkshopError("party_above_capacity", "max_party_size")
    data = {"kind": "workshop", **data}
    if data["kind"] not in KINDS:
        raise WorkshopError("kind_unknown", "kind")
    workshop = Workshop(plan=plan, created_by_id=actor.id, capacity=data["capacity"],
                        **{key: data[key] for key in EDITABLE})
    db.session.add(workshop)
    _set_facilitators(workshop, list(facilitator_ids))
    db.session.flush()
    record_audit("workshop.create", workshop, actor=actor, details={"title": workshop.title})
    return workshop


def update_workshop(workshop: Workshop, data: dict, *, actor, facilitator_ids: list[int] = ()) -> Workshop:
    """Save the staff form. Capacity goes through ``change_capacity``: it may promote people."""
    from app.workshops.registrations import change_capacity  # that module builds on this one

    if not workshop.can_edit(actor):
        raise WorkshopError("forbidden")
    _check_dates(data)
    if data["max_party_size"] > data["capacity"]:
        raise WorkshopError("party_above_capacity", "max_party_size")
    data = {"kind": workshop.kind, **data}
    if data["kind"] not in KINDS:
        raise WorkshopError("kind_unknown", "kind")
    workshop = lock_workshop(workshop.id)
    if data["capacity"] < confirmed_seats(workshop.id):
        raise WorkshopError("capacity_below_confirmed", "capacity")
    changed = [key for key in EDITABLE if getattr(workshop, key) != data[key]]
    for key in changed:
        setattr(workshop, key, data[key])
    before = {user.id for user in workshop.facilitators}
    _set_facilitators(workshop, list(facilitator_ids))
    if before != set(facilitator_ids):
        changed.append("facilitators")
    db.session.flush()
    if changed:
        record_audit("workshop.update", workshop, actor=actor, details={"fields": changed})
    if data["capacity"] != workshop.capacity:
        change_capacity(workshop, data["capacity"], actor=actor)
    return workshop


def publish_workshop(workshop: Workshop, *, actor) -> Workshop:
    if not workshop.can_edit(actor):
        raise WorkshopError("forbidden")
    if workshop.status != "draft":
        return workshop
    workshop.status = "published"
    workshop.published_at = workshop.published_at or utcnow()
    db.session.flush()
    record_audit("workshop.publish", workshop, actor=actor)
    signals.workshop_published.send(workshop)
    return workshop


def cancel_workshop(workshop: Workshop, *, actor, reason: str, now: datetime | None = None) -> Workshop:
    """Call the workshop off and tell everyone still signed up. A workshop that has taken place stays."""
    now = now or utcnow()
    if not workshop.can_edit(actor):
        raise WorkshopError("forbidden")
    workshop = lock_workshop(workshop.id)
    if workshop.is_cancelled:
        raise WorkshopError("already_cancelled")
    if workshop.has_started(now):
        raise WorkshopError("already_held")
    if not reason.strip():
        raise WorkshopError("reason_required", "reason")
    workshop.status = "cancelled"
    workshop.cancelled_at = now
    workshop.cancel_reason = reason.strip()
    active = db.session.scalars(
        select(Registration).where(Registration.workshop_id == workshop.id,
                                   Registration.status.in_(("confirmed", "waitlisted")))
    )
    for registration in active:
        notify_registration(registration, "workshop_cancelled")
    db.session.flush()
    record_audit("workshop.cancel", workshop, actor=actor, reason=workshop.cancel_reason)
    return workshop


# --- what the public sees ---


def workshops_editable_by(user) -> list[Workshop]:
    """The workshops of the plans ``user`` runs, newest first."""
    return [workshop for workshop in db.session.scalars(select(Workshop).order_by(Workshop.starts_at.desc()))
            if workshop.can_edit(user)]


def public_query():
    return (select(Workshop).join(Workshop.plan)
            .where(Workshop.status.in_(("published", "cancelled")), Plan.status == "published"))


def upcoming_workshops(limit: int | None = None, now: datetime | None = None) -> list[Workshop]:
    query = public_query().where(Workshop.ends_at > (now or utcnow())).order_by(Workshop.starts_at)
    return list(db.session.scalars(query.limit(limit) if limit else query))


def past_workshops(now: datetime | None = None) -> list[Workshop]:
    query = public_query().where(Workshop.ends_at <= (now or utcnow())).order_by(Workshop.starts_at.desc())
    return list(db.session.scalars(query))


def status_label(workshop: Workshop, counts: Counts, now: datetime | None = None) -> str:
    """The one phrase a reader needs: can I still sign up, and how."""
    state = workshop.signup_state(now)
    if state == "cancelled":
        return _("Cancelled")
    if state == "past":
        return _("Report published") if workshop.report_is_published else _("Held")
    if state == "not_yet":
        return _("Sign-up not open yet")
    if state == "closed":
        return _("Sign-up closed")
    if counts.seats_left(workshop.capacity) <= 0:
        return _("Full: waitlist open")
    return _("Sign-up open")


def workshop_timeline(plan: Plan, public: bool = True) -> list[TimelineEntry]:
    """The plan's timeline source: its workshops beside its comment periods."""
    query = select(Workshop).where(Workshop.plan_id == plan.id)
    if public:
        query = query.where(Workshop.status.in_(("published", "cancelled")))
    workshops = list(db.session.scalars(query))
    counts = counts_for([workshop.id for workshop in workshops])
    return [
        TimelineEntry(
            kind=STEP_KINDS.get(workshop.kind, "event"),
            title=workshop.title,
            starts_at=workshop.starts_at,
            ends_at=workshop.ends_at,
            url=url_for("workshops.show", workshop_id=workshop.id),
            status=status_label(workshop, counts[workshop.id]),
            kind_label=str(KIND_LABELS.get(workshop.kind, KIND_LABELS["other"])),
            result_url=url_for("workshops.report", workshop_id=workshop.id) if workshop.report_is_published else None,
            result_label=_("Read the report"),
        )
        for workshop in workshops
    ]


def home_section(_sender=None) -> tuple[str, dict] | None:
    workshops = upcoming_workshops(limit=5)
    workshops = [workshop for workshop in workshops if not workshop.is_cancelled]
    if not workshops:
        return None
    counts = counts_for([workshop.id for workshop in workshops])
    return "workshops/_home_section.html", {
        "workshops": [(workshop, counts[workshop.id], status_label(workshop, counts[workshop.id]))
                      for workshop in workshops],
    }
