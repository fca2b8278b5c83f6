"""The council's meetings and members. Functions check the rule, flush and audit; the view commits."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.core import uploads
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.council.labels import CATEGORY_LABELS, ROLE_LABELS
from app.council.models import CouncilMeeting, CouncilMember
from app.extensions import db
from app.plans.models import Plan

MINUTES_AREA = "council-minutes"
MINUTES_KINDS = ("application/pdf",)
MINUTES_MAX_BYTES = 20 * 1024 * 1024
MEETING_FIELDS = ("council_name", "number", "starts_at", "ends_at", "place", "agenda", "minutes_text",
                  "seat_capacity", "signup_closes_at")
MEMBER_FIELDS = ("name", "category", "affiliation", "role", "term_from", "term_to", "position")


class CouncilError(DomainError):
    """A council rule refused what was asked; ``code`` names which."""

    def describe(self) -> str:
        messages = {
            "forbidden": _("You may not change this plan's council."),
            "not_found": _("This meeting does not exist or is not public."),
            "number_taken": _("This plan already has a meeting with this number."),
            "ends_before_start": _("The ending time must be after the starting time."),
            "signup_after_start": _("Sign-up for seats must close before the meeting starts."),
            "capacity_below_taken": _("The seats cannot be fewer than those already given (%(taken)d)."),
            "not_draft": _("Only a meeting that is not yet public can be published."),
            "already_cancelled": _("This meeting has already been cancelled."),
            "term_order": _("The term must end after it begins."),
            "category_unknown": _("Choose the category from the list."),
            "role_unknown": _("Choose the role from the list."),
            "seats_none": _("This meeting has no seats for the public."),
            "seats_draft": _("This meeting is not public yet."),
            "seats_cancelled": _("This meeting has been cancelled, so no seats are given."),
            "seats_closed": _("Sign-up for seats has ended."),
            "seats_full": _("All seats have been taken. Please follow the meeting's minutes, which are "
                            "published here afterwards."),
            "name_required": _("Enter your name."),
            "contact_required": _("Enter a phone number or an email address we can reach you at."),
        }
        return messages.get(self.code, _("The request could not be processed.")) % self.params


def _require_editor(plan: Plan, actor) -> None:
    if not plan.can_edit(actor):
        raise CouncilError("forbidden")


def meetings_of(plan: Plan, *, public: bool = False) -> list[CouncilMeeting]:
    query = select(CouncilMeeting).where(CouncilMeeting.plan_id == plan.id)
    if public:
        query = query.where(CouncilMeeting.status.in_(("published", "cancelled")))
    return list(db.session.scalars(query.order_by(CouncilMeeting.starts_at, CouncilMeeting.number)))


def members_of(plan: Plan) -> list[CouncilMember]:
    """The members in the order 図4 lists them: by category, then the order staff gave."""
    order = {code: index for index, code in enumerate(CATEGORY_LABELS)}
    rows = db.session.scalars(select(CouncilMember).where(CouncilMember.plan_id == plan.id))
    return sorted(rows, key=lambda member: (order.get(member.category, len(order)), member.position, member.id))


def next_number(plan: Plan) -> int:
    return max((meeting.number for meeting in meetings_of(plan)), default=0) + 1


def _check_meeting(plan: Plan, data: dict, meeting: CouncilMeeting | None = None) -> None:
    if data["ends_at"] <= data["starts_at"]:
        raise CouncilError("ends_before_start", "end_time")
    if data.get("signup_closes_at") and data["signup_closes_at"] > data["starts_at"]:
        raise CouncilError("signup_after_start", "signup_closes_at")
    clash = db.session.scalar(select(CouncilMeeting.id).where(
        CouncilMeeting.plan_id == plan.id, CouncilMeeting.number == data["number"]))
    if clash is not None and (meeting is None or clash != meeting.id):
        raise CouncilError("number_taken", "number")


def create_meeting(plan: Plan, data: dict, *, actor) -> CouncilMeeting:
    """A new meeting, not public until published."""
    _require_editor(plan, actor)
    _check_meeting(plan, data)
    meeting = CouncilMeeting(plan_id=plan.id, **{key: data.get(key) for key in MEETING_FIELDS if key in data})
    db.session.add(meeting)
    db.session.flush()
    record_audit("council.meeting_create", meeting, actor=actor, details={"number": meeting.number})
    return meeting


def update_meeting(meeting: CouncilMeeting, data: dict, *, actor, minutes_file=None,
                   remove_minutes_file: bool = False) -> CouncilMeeting:
    """Save the staff form; seats never fewer than those already given (``seats`` locks the row)."""
    from app.council.seats import lock_meeting, seats_taken

    _require_editor(meeting.plan, actor)
    _check_meeting(meeting.plan, data, meeting)
    meeting = lock_meeting(meeting.id)
    taken = seats_taken(meeting.id)
    if data["seat_capacity"] < taken:
        raise CouncilError("capacity_below_taken", "seat_capacity", taken=taken)
    changed = [key for key in MEETING_FIELDS if key in data and getattr(meeting, key) != data[key]]
    for key in changed:
        setattr(meeting, key, data[key])
    if (remove_minutes_file or minutes_file is not None) and meeting.minutes_stored_name:
        uploads.remove(MINUTES_AREA, meeting.minutes_stored_name)
        meeting.minutes_filename, meeting.minutes_stored_name, meeting.minutes_size = "", "", 0
        changed.append("minutes_file")
    if minutes_file is not None:
        meeting.minutes_stored_name = uploads.store(minutes_file, MINUTES_AREA)
        meeting.minutes_filename, meeting.minutes_size = minutes_file.filename, minutes_file.size
        changed.append("minutes_file")
    db.session.flush()
    if changed:
        record_audit("council.meeting_update", meeting, actor=actor, details={"fields": sorted(set(changed))})
    return meeting


def publish_meeting(meeting: CouncilMeeting, *, actor, now: datetime | None = None) -> CouncilMeeting:
    _require_editor(meeting.plan, actor)
    if meeting.status != "draft":
        raise CouncilError("not_draft")
    meeting.status = "published"
    meeting.published_at = now or utcnow()
    db.session.flush()
    record_audit("council.meeting_publish", meeting, actor=actor)
    return meeting


def cancel_meeting(meeting: CouncilMeeting, *, actor) -> CouncilMeeting:
    """The meeting stays on the page, marked cancelled; nobody can take a seat any more."""
    _require_editor(meeting.plan, actor)
    if meeting.status == "cancelled":
        raise CouncilError("already_cancelled")
    meeting.status = "cancelled"
    db.session.flush()
    record_audit("council.meeting_cancel", meeting, actor=actor)
    return meeting


def _check_member(data: dict) -> None:
    if data["category"] not in CATEGORY_LABELS:
        raise CouncilError("category_unknown", "category")
    if data.get("role", "") not in ROLE_LABELS:
        raise CouncilError("role_unknown", "role")
    if data["term_to"] < data["term_from"]:
        raise CouncilError("term_order", "term_to")


def create_member(plan: Plan, data: dict, *, actor) -> CouncilMember:
    _require_editor(plan, actor)
    _check_member(data)
    member = CouncilMember(plan_id=plan.id, **{key: data[key] for key in MEMBER_FIELDS if key in data})
    db.session.add(member)
    db.session.flush()
    record_audit("council.member_create", member, actor=actor, details={"category": member.category})
    return member


def update_member(member: CouncilMember, data: dict, *, actor) -> CouncilMember:
    _require_editor(member.plan, actor)
    _check_member(data)
    changed = [key for key in MEMBER_FIELDS if key in data and getattr(member, key) != data[key]]
    for key in changed:
        setattr(member, key, data[key])
    db.session.flush()
    if changed:
        record_audit("council.member_update", member, actor=actor, details={"fields": changed})
    return member


def delete_member(member: CouncilMember, *, actor) -> None:
    _require_editor(member.plan, actor)
    record_audit("council.member_delete", member, actor=actor, details={"category": member.category})
    db.session.delete(member)
    db.session.flush()
