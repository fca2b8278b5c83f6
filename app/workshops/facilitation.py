"""On the day and after: check-in, walk-ins, groups, notes, the summary and the published report.

Every function takes the workshop the facilitator is working on and refuses rows of any other
workshop, so a URL edited by hand cannot reach across workshops.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.timeutil import utcnow
from app.extensions import db
from app.workshops.models import ATTRIBUTES, Registration, Workshop, WorkshopGroup, WorkshopNote
from app.workshops.registrations import new_registration, normalize_code
from app.workshops.services import WorkshopError, counts_for, lock_workshop

NOTE_MAX = 1000


def _require_facilitator(workshop: Workshop, actor) -> None:
    if not workshop.can_facilitate(actor):
        raise WorkshopError("forbidden")


def _own(workshop: Workshop, row, code: str):
    if row is None or row.workshop_id != workshop.id:
        raise WorkshopError(code)
    return row


def workshops_of(user) -> list[Workshop]:
    """The workshops ``user`` facilitates that are past the draft, newest first."""
    return [workshop for workshop in db.session.scalars(select(Workshop).where(Workshop.status != "draft")
                                                        .order_by(Workshop.starts_at.desc()))
            if workshop.can_facilitate(user)]


def people(workshop: Workshop, *, attended: bool) -> list[Registration]:
    """Those expected (confirmed), for the attendance list; with ``attended``, those checked in, for groups."""
    condition = Registration.attended_at.is_not(None) if attended else Registration.status == "confirmed"
    return list(db.session.scalars(select(Registration).where(Registration.workshop_id == workshop.id, condition)
                                   .order_by(Registration.name, Registration.id)))


def check_in(workshop: Workshop, registration: Registration, *, actor, now: datetime | None = None) -> bool:
    """Mark a confirmed participant present. Returns False when they were already checked in."""
    _require_facilitator(workshop, actor)
    _own(workshop, registration, "registration_not_in_workshop")
    if workshop.is_cancelled:
        raise WorkshopError("workshop_cancelled")
    if registration.status == "waitlisted":
        raise WorkshopError("checkin_waitlisted", "code")
    if registration.status == "cancelled":
        raise WorkshopError("checkin_cancelled", "code")
    if registration.attended_at is not None:
        return False
    registration.attended_at = now or utcnow()
    db.session.flush()
    record_audit("workshop.check_in", registration, actor=actor, details={"workshop_id": workshop.id})
    return True


def undo_check_in(workshop: Workshop, registration: Registration, *, actor) -> None:
    _require_facilitator(workshop, actor)
    _own(workshop, registration, "registration_not_in_workshop")
    if registration.attended_at is None or registration.walk_in:
        return
    registration.attended_at = None
    db.session.flush()
    record_audit("workshop.undo_check_in", registration, actor=actor, details={"workshop_id": workshop.id})


def check_in_by_code(workshop: Workshop, code: str, *, actor, now: datetime | None = None) -> tuple[Registration, bool]:
    """Check in by the code on the confirmation; a code of another workshop is named as such."""
    _require_facilitator(workshop, actor)
    code = normalize_code(code)
    if not code:
        raise WorkshopError("code_required", "code")
    registration = db.session.scalar(
        select(Registration).where(Registration.workshop_id == workshop.id, Registration.checkin_code == code)
    )
    if registration is None:
        elsewhere = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.checkin_code == code, Registration.workshop_id != workshop.id))
        raise WorkshopError("code_other_workshop" if elsewhere else "code_unknown", "code")
    return registration, check_in(workshop, registration, actor=actor, now=now)


def add_walk_in(workshop: Workshop, data: dict, *, actor, now: datetime | None = None) -> Registration:
    """Someone who came without signing up: present at once. The room, not the form, decides
    whether there is space, so capacity is not enforced here."""
    _require_facilitator(workshop, actor)
    now = now or utcnow()
    workshop = lock_workshop(workshop.id)
    if workshop.is_cancelled:
        raise WorkshopError("workshop_cancelled")
    if data.get("attribute") not in ATTRIBUTES:
        raise WorkshopError("attribute_required", "attribute")
    party = data.get("party_size") or 1
    if party < 1 or party > 20:
        raise WorkshopError("party_range", "party_size")
    registration = new_registration(workshop, {**data, "walk_in": True, "party_size": party}, "confirmed", now)
    registration.attended_at = now
    db.session.flush()
    record_audit("workshop.walk_in", registration, actor=actor, details={"workshop_id": workshop.id})
    return registration


def create_group(workshop: Workshop, name: str, *, actor) -> WorkshopGroup:
    _require_facilitator(workshop, actor)
    name = name.strip()
    if not name or len(name) > 50:
        raise WorkshopError("group_name", "name")
    if any(group.name == name for group in workshop.groups):
        raise WorkshopError("group_name_taken", "name")
    group = WorkshopGroup(workshop=workshop, name=name, position=len(workshop.groups))
    db.session.add(group)
    db.session.flush()
    record_audit("workshop.group_create", group, actor=actor, details={"workshop_id": workshop.id, "name": name})
    return group


def assign_groups(workshop: Workshop, assignments: dict[int, int | None], *, actor) -> int:
    """Seat participants at tables: ``{registration_id: group_id or None}``. All or nothing."""
    _require_facilitator(workshop, actor)
    group_ids = {group.id for group in workshop.groups}
    registrations = {
        registration.id: registration
        for registration in db.session.scalars(select(Registration).where(Registration.id.in_(list(assignments))))
    }
    for registration_id, group_id in assignments.items():
        _own(workshop, registrations.get(registration_id), "registration_not_in_workshop")
        if group_id is not None and group_id not in group_ids:
            raise WorkshopError("group_not_in_workshop")
    changed = 0
    for registration_id, group_id in assignments.items():
        if registrations[registration_id].group_id != group_id:
            registrations[registration_id].group_id = group_id
            changed += 1
    db.session.flush()
    if changed:
        record_audit("workshop.assign_groups", workshop, actor=actor, details={"changed": changed})
    return changed


def add_note(workshop: Workshop, group: WorkshopGroup, *, kind: str, text: str, client_key: str, actor,
             now: datetime | None = None) -> tuple[WorkshopNote, bool]:
    """Save one note. The same ``client_key`` sent again returns the saved note: a resend after a
    dropped connection never makes two. Returns (note, created)."""
    _require_facilitator(workshop, actor)
    _own(workshop, group, "group_not_in_workshop")
    if kind not in workshop.note_kinds:
        raise WorkshopError("note_kind", "kind")
    text = text.strip()
    if not text:
        raise WorkshopError("note_empty", "text")
    if len(text) > NOTE_MAX:
        raise WorkshopError("note_too_long", "text")
    if not client_key or len(client_key) > 64:
        raise WorkshopError("client_key")
    earlier = db.session.scalar(
        select(WorkshopNote).where(WorkshopNote.group_id == group.id, WorkshopNote.client_key == client_key)
    )
    if earlier is not None:
        return earlier, False
    note = WorkshopNote(group=group, kind=kind, text=text, client_key=client_key, created_by_id=actor.id,
                        created_at=now or utcnow())
    db.session.add(note)
    db.session.flush()
    record_audit("workshop.note_add", note, actor=actor, details={"workshop_id": workshop.id, "group_id": group.id})
    return note, True


def _own_note(workshop: Workshop, group: WorkshopGroup, note: WorkshopNote) -> None:
    _own(workshop, group, "group_not_in_workshop")
    if note is None or note.group_id != group.id:
        raise WorkshopError("note_not_in_group")


def set_note_votes(workshop: Workshop, group: WorkshopGroup, note: WorkshopNote, votes: int, *, actor) -> None:
    """Dot votes as counted on the sheet: setting the number twice changes nothing."""
    _require_facilitator(workshop, actor)
    _own_note(workshop, group, note)
    if votes < 0 or votes > 999:
        raise WorkshopError("votes_range", "votes")
    if note.votes == votes:
        return
    before, note.votes = note.votes, votes
    db.session.flush()
    record_audit("workshop.note_votes", note, actor=actor, details={"from": before, "to": votes})


def delete_note(workshop: Workshop, group: WorkshopGroup, note: WorkshopNote, *, actor) -> None:
    _require_facilitator(workshop, actor)
    _own_note(workshop, group, note)
    record_audit("workshop.note_delete", note, actor=actor, details={"text": note.text[:200]})
    db.session.delete(note)
    db.session.flush()


def save_summary(workshop: Workshop, summary: str, *, actor) -> None:
    _require_facilitator(workshop, actor)
    if len(summary) > 20000:
        raise WorkshopError("summary_too_long", "summary")
    if workshop.summary != summary:
        workshop.summary = summary
        db.session.flush()
        record_audit("workshop.summary", workshop, actor=actor)


def publish_report(workshop: Workshop, *, actor, now: datetime | None = None) -> None:
    """Staff publish the report once the workshop is over, summarised and attendance recorded."""
    now = now or utcnow()
    if not workshop.can_edit(actor):
        raise WorkshopError("forbidden")
    if workshop.status != "published":
        raise WorkshopError("report_not_published_workshop")
    if not workshop.has_ended(now):
        raise WorkshopError("report_before_end")
    if not workshop.summary.strip():
        raise WorkshopError("report_no_summary")
    if counts_for([workshop.id])[workshop.id].attended_seats == 0:
        raise WorkshopError("report_no_attendance")
    if workshop.report_published_at is None:
        workshop.report_published_at = now
        db.session.flush()
        record_audit("workshop.report_publish", workshop, actor=actor)


@dataclass
class GroupReport:
    name: str
    members: int
    notes: list[WorkshopNote]


def report_groups(workshop: Workshop) -> list[GroupReport]:
    """Each group's notes, most votes first; members counted, never named."""
    groups = db.session.scalars(
        select(WorkshopGroup).where(WorkshopGroup.workshop_id == workshop.id)
        .options(selectinload(WorkshopGroup.notes))
        .order_by(WorkshopGroup.position, WorkshopGroup.id)
    ).all()
    members = dict(db.session.execute(
        select(Registration.group_id, func.coalesce(func.sum(Registration.party_size), 0))
        .where(Registration.workshop_id == workshop.id, Registration.attended_at.is_not(None))
        .group_by(Registration.group_id)
    ).all())
    return [
        GroupReport(group.name, members.get(group.id, 0),
                    sorted(group.notes, key=lambda note: (-note.votes, note.id)))
        for group in groups
    ]
