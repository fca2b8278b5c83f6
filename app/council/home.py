"""What the council adds to the plan's page: its meetings on the timeline, its members below."""

from flask import url_for
from flask_babel import gettext as _

from app.core.timeutil import utcnow
from app.council import seats, services
from app.council.models import CouncilMeeting
from app.plans.models import Plan
from app.plans.services import TimelineEntry


def status_label(meeting: CouncilMeeting, now=None) -> str:
    """The one phrase a reader needs: is it on, can I sit in, are the minutes out."""
    now = now or utcnow()
    if meeting.status == "cancelled":
        return _("Cancelled")
    if meeting.ends_at < now:
        return _("Minutes published") if meeting.has_minutes else _("Held")
    state = meeting.seat_state(now)
    if state == "open":
        return _("Seats for the public: sign-up open") if seats.seats_left(meeting) else _("Seats for the public: full")
    return _("Scheduled")


def timeline_entries(plan: Plan, public: bool = True) -> list[TimelineEntry]:
    """Each meeting of the plan's council; a held meeting's minutes are its result."""
    now = utcnow()
    return [
        TimelineEntry(kind="council", title=_("Meeting %(number)d of %(council)s", number=meeting.number,
                                              council=meeting.council_name),
                      starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                      url=url_for("council.meeting", meeting_id=meeting.id), status=status_label(meeting, now),
                      kind_label=_("Council"),
                      result_url=url_for("council.meeting", meeting_id=meeting.id, _anchor="minutes")
                      if meeting.has_minutes else None,
                      result_label=_("Read the minutes"))
        for meeting in services.meetings_of(plan, public=public)
    ]


def plan_members(plan: Plan, user=None) -> tuple[str, dict] | None:
    """The members as 図4 lists them (name, 区分, term), for everyone; staff also get the link to edit."""
    members = services.members_of(plan)
    can_edit = plan.can_edit(user)
    if not members and not can_edit:
        return None
    return "council/_plan_members.html", {"plan": plan, "members": members, "can_edit": can_edit}
