"""Staff pages: workshops of the plans they run, sign-ups at a glance, capacity, publishing."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core.auth import roles_required
from app.extensions import db
from app.plans.models import Plan
from app.workshops import facilitation, registrations, services
from app.workshops.forms import ActionForm, CancelWorkshopForm, CapacityForm, WorkshopForm
from app.workshops.messages import error_message, show_error
from app.workshops.models import Registration, Workshop
from app.workshops.services import WorkshopError
from app.workshops.tasks import accommodation_counts

bp = Blueprint("workshop_staff", __name__)


def editable_workshop(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id) or abort(404)
    if not workshop.can_edit(current_user):
        abort(403)
    return workshop


def _show_error(form, exc: WorkshopError) -> None:
    db.session.rollback()
    if not show_error(form, exc):
        flash(error_message(exc.code), "error")


@bp.get("/staff/workshops")
@roles_required("staff", "admin")
def index():
    workshops = [workshop for workshop in db.session.scalars(select(Workshop).order_by(Workshop.starts_at.desc()))
                 if workshop.can_edit(current_user)]
    plans = [plan for plan in db.session.scalars(select(Plan).order_by(Plan.created_at.desc()))
             if plan.can_edit(current_user)]
    return render_template("workshops/staff_index.html", workshops=workshops, plans=plans,
                           counts=services.counts_for([workshop.id for workshop in workshops]),
                           title=_("Manage workshops"))


@bp.route("/staff/plans/<int:plan_id>/workshops/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def create(plan_id: int):
    plan = db.session.get(Plan, plan_id) or abort(404)
    if not plan.can_edit(current_user):
        abort(403)
    form = WorkshopForm(facilitator_users=services.facilitator_choices())
    if form.validate_on_submit():
        try:
            workshop = services.create_workshop(plan, form.workshop_data(), actor=current_user,
                                                facilitator_ids=form.facilitators.data or [])
        except WorkshopError as exc:
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The workshop has been created. It is not public until you publish it."), "success")
            return redirect(url_for("workshop_staff.manage", workshop_id=workshop.id), code=303)
    return render_template("workshops/form.html", form=form, plan=plan, workshop=None,
                           title=_("New workshop"))


@bp.route("/staff/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@roles_required("staff", "admin")
def edit(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = WorkshopForm(data=WorkshopForm.initial(workshop), facilitator_users=services.facilitator_choices())
    if form.validate_on_submit():
        try:
            services.update_workshop(workshop, form.workshop_data(), actor=current_user,
                                     facilitator_ids=form.facilitators.data or [])
        except WorkshopError as exc:
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The workshop has been saved."), "success")
            return redirect(url_for("workshop_staff.manage", workshop_id=workshop.id), code=303)
    return render_template("workshops/form.html", form=form, plan=workshop.plan, workshop=workshop,
                           title=_("Edit: %(title)s", title=workshop.title))


@bp.get("/staff/workshops/<int:workshop_id>")
@roles_required("staff", "admin")
def manage(workshop_id: int, capacity_form=None, cancel_form=None):
    workshop = editable_workshop(workshop_id)
    rows = db.session.scalars(
        select(Registration).where(Registration.workshop_id == workshop.id)
        .order_by(Registration.status, Registration.created_at, Registration.id)
    ).all()
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
    if form.validate_on_submit():
        try:
            promoted = registrations.change_capacity(workshop, form.capacity.data, actor=current_user)
        except WorkshopError as exc:
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The capacity is now %(n)d. %(m)d sign-up(s) moved from the waitlist.",
                    n=form.capacity.data, m=len(promoted)), "success")
            return redirect(url_for("workshop_staff.manage", workshop_id=workshop_id), code=303)
    return manage(workshop_id, capacity_form=form), 400


@bp.post("/staff/workshops/<int:workshop_id>/publish")
@roles_required("staff", "admin")
def publish(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    if ActionForm().validate_on_submit():
        services.publish_workshop(workshop, actor=current_user)
        db.session.commit()
        flash(_("The workshop is now public."), "success")
    return redirect(url_for("workshop_staff.manage", workshop_id=workshop_id), code=303)


@bp.post("/staff/workshops/<int:workshop_id>/cancel")
@roles_required("staff", "admin")
def cancel(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = CancelWorkshopForm()
    if form.validate_on_submit():
        try:
            services.cancel_workshop(workshop, actor=current_user, reason=form.reason.data)
        except WorkshopError as exc:
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The workshop has been cancelled and the participants are being told."), "success")
            return redirect(url_for("workshop_staff.manage", workshop_id=workshop_id), code=303)
    return manage(workshop_id, cancel_form=form), 400


@bp.post("/staff/workshops/<int:workshop_id>/report/publish")
@roles_required("staff", "admin")
def publish_report(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    if ActionForm().validate_on_submit():
        try:
            facilitation.publish_report(workshop, actor=current_user)
        except WorkshopError as exc:
            db.session.rollback()
            flash(error_message(exc.code), "error")
        else:
            db.session.commit()
            flash(_("The workshop report is now public."), "success")
    return redirect(url_for("workshop_staff.manage", workshop_id=workshop_id), code=303)
