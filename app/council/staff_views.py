"""Staff pages: a plan's council — its meetings (with minutes and the seat list) and its members."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import uploads
from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.council import seats, services
from app.council.forms import ActionForm, MeetingForm, MemberForm
from app.council.models import CouncilMeeting, CouncilMember
from app.plans.models import Plan
from app.plans.services import editable_plans

bp = Blueprint("council_staff", __name__)


def _meeting(meeting_id: int) -> CouncilMeeting:
    return load_permitted(CouncilMeeting, meeting_id, CouncilMeeting.can_edit)


def _member(member_id: int) -> CouncilMember:
    return load_permitted(CouncilMember, member_id, lambda member, user: member.plan.can_edit(user))


@bp.get("/staff/council")
@roles_required("staff", "admin")
def index():
    return render_template("council/staff_index.html", plans=editable_plans(current_user), title=_("Manage councils"))


@bp.get("/staff/plans/<int:plan_id>/council")
@roles_required("staff", "admin")
def plan_council(plan_id: int):
    plan = load_permitted(Plan, plan_id, Plan.can_edit)
    return render_template("council/staff_plan.html", plan=plan, meetings=services.meetings_of(plan),
                           members=services.members_of(plan), title=_("Council: %(title)s", title=plan.title))


def _minutes_file(form):
    """The uploaded PDF, checked; None when none was chosen or it was refused (the field says why)."""
    storage = form.minutes_file.data
    if not storage or not getattr(storage, "filename", ""):
        return None
    try:
        return uploads.check_file(storage, allowed=services.MINUTES_KINDS, max_bytes=services.MINUTES_MAX_BYTES)
    except uploads.UploadError as error:
        messages = {"too_large": _("%(name)s is larger than %(mb)d MB.", name=error.filename,
                                   mb=services.MINUTES_MAX_BYTES // (1024 * 1024)),
                    "empty": _("%(name)s is empty.", name=error.filename)}
        form.minutes_file.errors = [messages.get(error.code, _(
            "%(name)s is not a PDF file. Only PDF documents can be uploaded.", name=error.filename))]
        return False


@bp.route("/staff/plans/<int:plan_id>/council/meetings/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def create_meeting(plan_id: int):
    plan = load_permitted(Plan, plan_id, Plan.can_edit)
    form = MeetingForm(data={"number": services.next_number(plan)} if request.method == "GET" else None)

    def page():
        return render_template("council/meeting_form.html", form=form, plan=plan, meeting=None,
                               title=_("New council meeting"))

    if request.method != "POST":
        return page()
    return run_action(lambda: services.create_meeting(plan, form.meeting_data(), actor=current_user),
                      form=form, page=page, status=422,
                      done=_("The meeting has been created. It is not public until you publish it."),
                      then=lambda meeting: url_for("council_staff.manage", meeting_id=meeting.id))


@bp.route("/staff/council/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@roles_required("staff", "admin")
def edit_meeting(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = MeetingForm(data=MeetingForm.initial(meeting) if request.method == "GET" else None)

    def page():
        return render_template("council/meeting_form.html", form=form, plan=meeting.plan, meeting=meeting,
                               title=_("Edit: meeting %(number)d", number=meeting.number))

    if request.method != "POST":
        return page()
    checked = _minutes_file(form) if form.validate_on_submit() else None
    if checked is False:
        return page(), 422
    return run_action(
        lambda: services.update_meeting(meeting, form.meeting_data(), actor=current_user, minutes_file=checked,
                                        remove_minutes_file=form.remove_minutes_file.data),
        form=form, page=page, status=422, done=_("The meeting has been saved."),
        then=url_for("council_staff.manage", meeting_id=meeting.id))


@bp.get("/staff/council/meetings/<int:meeting_id>")
@roles_required("staff", "admin")
def manage(meeting_id: int):
    meeting = _meeting(meeting_id)
    return render_template("council/staff_meeting.html", meeting=meeting, requests=seats.seat_requests_of(meeting),
                           seats_left=seats.seats_left(meeting), action_form=ActionForm(),
                           title=_("Meeting %(number)d of %(council)s", number=meeting.number,
                                   council=meeting.council_name))


@bp.post("/staff/council/meetings/<int:meeting_id>/publish")
@roles_required("staff", "admin")
def publish_meeting(meeting_id: int):
    meeting = _meeting(meeting_id)
    return run_action(lambda: services.publish_meeting(meeting, actor=current_user), form=ActionForm(),
                      done=_("The meeting is now public."), then=url_for("council_staff.manage", meeting_id=meeting.id))


@bp.post("/staff/council/meetings/<int:meeting_id>/cancel")
@roles_required("staff", "admin")
def cancel_meeting(meeting_id: int):
    meeting = _meeting(meeting_id)
    return run_action(lambda: services.cancel_meeting(meeting, actor=current_user), form=ActionForm(),
                      done=_("The meeting has been marked as cancelled."),
                      then=url_for("council_staff.manage", meeting_id=meeting.id))


@bp.route("/staff/plans/<int:plan_id>/council/members/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def create_member(plan_id: int):
    plan = load_permitted(Plan, plan_id, Plan.can_edit)
    form = MemberForm()

    def page():
        return render_template("council/member_form.html", form=form, plan=plan, member=None,
                               title=_("New council member"))

    if request.method != "POST":
        return page()
    return run_action(lambda: services.create_member(plan, form.member_data(), actor=current_user),
                      form=form, page=page, status=422, done=_("The member has been added."),
                      then=url_for("council_staff.plan_council", plan_id=plan.id))


@bp.route("/staff/council/members/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required("staff", "admin")
def edit_member(member_id: int):
    member = _member(member_id)
    form = MemberForm(obj=member if request.method == "GET" else None)

    def page():
        return render_template("council/member_form.html", form=form, plan=member.plan, member=member,
                               action_form=ActionForm(), title=_("Edit: %(name)s", name=member.name))

    if request.method != "POST":
        return page()
    return run_action(lambda: services.update_member(member, form.member_data(), actor=current_user),
                      form=form, page=page, status=422, done=_("The member has been saved."),
                      then=url_for("council_staff.plan_council", plan_id=member.plan_id))


@bp.post("/staff/council/members/<int:member_id>/delete")
@roles_required("staff", "admin")
def delete_member(member_id: int):
    member = _member(member_id)
    plan_id = member.plan_id
    return run_action(lambda: services.delete_member(member, actor=current_user), form=ActionForm(),
                      done=_("The member has been removed from the list."),
                      then=url_for("council_staff.plan_council", plan_id=plan_id))
