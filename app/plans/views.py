from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.core.timeutil import utcnow
from app.extensions import db
from app.plans import office, services
from app.plans.forms import PlanForm, PublishForm
from app.plans.models import Plan

bp = Blueprint("plans", __name__)


def editable_plan(plan_id: int) -> Plan:
    return load_permitted(Plan, plan_id, Plan.can_edit)


@bp.get("/plans")
def index():
    return render_template("plans/index.html", plans=services.published_plans(), title=_("Plans"))


@bp.get("/plans/<int:plan_id>")
def show(plan_id: int):
    plan = db.get_or_404(Plan, plan_id)
    if not plan.can_view(current_user):
        abort(404)
    now = utcnow()
    return render_template("plans/show.html", plan=plan, timeline=services.plan_timeline(plan, now=now), now=now,
                           extras=services.page_sections(plan, current_user), title=plan.title)


@bp.get("/staff/plans")
@roles_required("staff", "admin")
def staff_index():
    return render_template("plans/staff_index.html", plans=services.all_plans(), title=_("Manage plans"))


@bp.route("/staff/plans/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def create():
    form = PlanForm(department=current_user.department, user=current_user)
    if form.validate_on_submit():
        return run_action(lambda: services.create_plan(form.plan_data(), actor=current_user),
                          done=_("The plan has been created. It is not public until you publish it."),
                          then=lambda plan: url_for("plans.edit", plan_id=plan.id), back=url_for("plans.create"))
    return render_template("plans/form.html", form=form, plan=None, title=_("New plan"))


@bp.route("/staff/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@roles_required("staff", "admin")
def edit(plan_id: int):
    plan = editable_plan(plan_id)
    form = PlanForm(obj=plan, user=current_user)
    if form.validate_on_submit():
        return run_action(lambda: services.update_plan(plan, form.plan_data(), actor=current_user),
                          done=_("The plan has been saved."), then=url_for("plans.edit", plan_id=plan.id))
    return render_template(
        "plans/form.html", form=form, plan=plan, publish_form=PublishForm(),
        extras=services.page_sections(plan, current_user), title=plan.title
    )


@bp.post("/staff/plans/<int:plan_id>/publish")
@roles_required("staff", "admin")
def publish(plan_id: int):
    plan = editable_plan(plan_id)
    return run_action(lambda: services.publish_plan(plan, actor=current_user), form=PublishForm(),
                      done=_("The plan is now public."), then=url_for("plans.edit", plan_id=plan.id))


@bp.get("/staff/plans/<int:plan_id>/office")
@roles_required("staff", "admin")
def office_dashboard(plan_id: int):
    """The 事務局's view of a plan: what is waiting in each of its periods, workshops and surveys."""
    plan = editable_plan(plan_id)
    groups = office.work_groups(plan, current_user)
    return render_template("plans/office.html", plan=plan, groups=groups, waiting=sum(bool(g.waiting) for g in groups),
                           title=_("Plan office: %(title)s", title=plan.title))
