from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import current_locale
from app.core.actions import run_action
from app.core.auth import roles_required
from app.extensions import db
from app.plans.models import Plan
from app.plantext import editing, services
from app.plantext.forms import ImportForm, PublishVersionForm
from app.plantext.labels import STATUS_LABELS, WRITE_OPINION
from app.plantext.models import PlanVersion

bp = Blueprint("plantext", __name__)


@bp.get("/plans/<int:plan_id>/text/<int:version_id>")
def read(plan_id: int, version_id: int):
    """The plan's text as one page: contents, a heading per section, print-friendly."""
    version = db.get_or_404(PlanVersion, version_id)
    if version.plan_id != plan_id or not version.can_view(current_user):
        abort(404)
    title = _("%(plan)s (%(stage)s)", plan=version.plan.title, stage=version.stage_label)
    return render_template("plantext/read.html", version=version, plan=version.plan,
                           links=services.opinion_links(version), levels=services.heading_levels(version), write_label=WRITE_OPINION,
                           ui_lang=current_locale(), title=title)


def _editable(plan_id: int) -> Plan:
    plan = db.get_or_404(Plan, plan_id)
    if not plan.can_edit(current_user):
        abort(403)
    return plan


def _page(plan: Plan, version: PlanVersion, form: ImportForm):
    from app.plantext.edit_views import staff_extras

    return render_template("plantext/staff.html", plan=plan, version=version, form=form,
                           publish_form=PublishVersionForm(), status_label=STATUS_LABELS[version.status],
                           title=_("Plan text: %(title)s", title=plan.title), **staff_extras(plan, version))


@bp.route("/staff/plans/<int:plan_id>/text", methods=["GET", "POST"])
@roles_required("staff", "admin")
def staff(plan_id: int):
    plan = _editable(plan_id)
    services.draft_version(plan, actor=current_user)
    version = editing.latest_version(plan)  # the furthest stage: the one staff work on
    form = ImportForm()
    if not form.is_submitted():
        form.text.data = editing.whole_source(version) if not version.is_published else ""
        db.session.commit()  # the draft version, made on first visit
        return _page(plan, version, form)
    return run_action(lambda: services.import_text(version, form.given_text(), actor=current_user), form=form,
                      page=lambda: _page(plan, version, form),
                      done=lambda v: _("The text has been imported: %(count)d headings.", count=len(v.sections)),
                      then=url_for("plantext.staff", plan_id=plan.id))


@bp.post("/staff/plans/<int:plan_id>/text/<int:version_id>/publish")
@roles_required("staff", "admin")
def publish(plan_id: int, version_id: int):
    plan = _editable(plan_id)
    version = db.get_or_404(PlanVersion, version_id)
    if version.plan_id != plan.id:
        abort(404)
    return run_action(lambda: services.publish_version(version, actor=current_user), form=PublishVersionForm(),
                      done=_("This version is now public. It can no longer change."),
                      then=url_for("plantext.staff", plan_id=plan.id))
