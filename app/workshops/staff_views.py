"""Staff pages: workshops of the plans they run, sign-ups at a glance, capacity, publishing."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.plans.models import Plan
from app.plans.services import editable_plans
from app.workshops import facilitation, registrations, services
from app.workshops.forms import ActionForm, CancelWorkshopForm, CapacityForm, WorkshopForm
from app.workshops.models import Workshop
from app.workshops.tasks import accommodation_counts

bp = Blueprint("workshop_staff", __name__)


def editable_workshop(workshop_id: int) -> Workshop:
    return load_permitted(Workshop, workshop_id, Workshop.can_edit)


@bp.get("/staff/workshops")
@roles_required("staff", "admin")
def index():
    workshops = services.workshops_editable_by(current_user)
    plans = editable_plans(current_user)
    return render_template("workshops/staff_index.html", workshops=workshops, plans=plans,
                           counts=services.counts_for([workshop.id for workshop in workshops]),
                           title=_("Manage workshops"))


@bp.route("/staff/plans/<int:plan_id>/workshops/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def create(plan_id: int):
    plan = load_permitted(Plan, plan_id, Plan.can_edit)
    form = WorkshopForm(facilitator_users=services.facilitator_choices())

    def page():
        return render_template("workshops/form.html", form=form, plan=plan, workshop=None, title=_("New workshop"))

    if request.method != "POST":
        return page()
    return run_action(
        lambda: services.create_workshop(plan, form.workshop_data(), actor=current_user,
                                         facilitator_ids=form.facilitators.data or []),
        form=form, page=page, status=200,
        done=_("The workshop has been created. It is not public until you publish it."),
        then=lambda workshop: url_for("workshop_staff.manage", workshop_id=workshop.id))


@bp.route("/staff/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@roles_required("staff", "admin")
def edit(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = WorkshopForm(data=WorkshopForm.initial(workshop), facilitator_users=services.facilitator_choices())

    def page():
        return render_template("workshops/form.html", form=form, plan=workshop.plan, workshop=workshop,
                               title=_("Edit: %(title)s", title=workshop.title))

    if request.method != "POST":
        return page()
    return run_action(
        lambda: services.update_workshop(workshop, form.workshop_data(), actor=current_user,
                                         facilitator_ids=form.facilitators.data or []),
        form=form, page=page, status=200, done=_("The workshop has been saved."),
        then=url_for("workshop_staff.manage", workshop_id=workshop.id))


@bp.get("/staff/workshops/<int:workshop_id>")
@roles_required("staff", "admin")
def manage(workshop_id: int, capacity_form=None, cancel_form=None):
    workshop = editable_workshop(workshop_id)
    rows = registrations.registrations_of(workshop)
    return render_template(
        "workshops/manage.html", workshop=workshop, registrations=rows,
        counts=services.counts_for([workshop.id])[workshop.id],
        needs=workshop.accommodation_counts or accommodation_counts(workshop.id),
        capacity_form=capacity_form or CapacityForm(capacity=workshop.capacity),
        cancel_form=cancel_form or CancelWorkshopForm(), action_form=ActionForm(), title=workshop.title)


@bp.post("/staff/workshops/<int:workshop_id>/capacity")
@roles_required("staff", "admin")
def capacity(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = CapacityForm()
    return run_action(
        lambda: registrations.change_capacity(workshop, form.capacity.data, actor=current_user),
        form=form, page=lambda: manage(workshop_id, capacity_form=form), status=400,
        done=lambda promoted: " ".join([
            _("The capacity is now %(n)d.", n=form.capacity.data),
            ngettext("%(num)d sign-up moved from the waitlist.", "%(num)d sign-ups moved from the waitlist.",
                     len(promoted))]),
        then=url_for("workshop_staff.manage", workshop_id=workshop_id))


@bp.post("/staff/workshops/<int:workshop_id>/publish")
@roles_required("staff", "admin")
def publish(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    return run_action(lambda: services.publish_workshop(workshop, actor=current_user), form=ActionForm(),
                      done=_("The workshop is now public."), then=url_for("workshop_staff.manage", workshop_id=workshop_id))


@bp.post("/staff/workshops/<int:workshop_id>/cancel")
@roles_required("staff", "admin")
def cancel(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = CancelWorkshopForm()
    return run_action(lambda: services.cancel_workshop(workshop, actor=current_user, reason=form.reason.data),
                      form=form, page=lambda: manage(workshop_id, cancel_form=form), status=400,
                      done=_("The workshop has been cancelled and the participants are being told."),
                      then=url_for("workshop_staff.manage", workshop_id=workshop_id))


@bp.post("/staff/workshops/<int:workshop_id>/report/publish")
@roles_required("staff", "admin")
def publish_report(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    return run_action(lambda: facilitation.publish_report(workshop, actor=current_user), form=ActionForm(),
                      done=_("The workshop report is now public."),
                      then=url_for("workshop_staff.manage", workshop_id=workshop_id))
