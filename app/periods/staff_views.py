"""Staff pages of comment periods, and the admin's page for the city's period rules."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import signals, uploads
from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.core.settings import get_setting, label_entries
from app.periods import services
from app.periods.forms import (
    ActionForm,
    DocumentForm,
    PeriodForm,
    SectionsForm,
    SettingsForm,
    WithdrawForm,
    submitter_field_labels,
)
from app.periods.labels import attribute_labels
from app.periods.models import CommentPeriod, default_field_rules
from app.periods.services import SectionRow
from app.periods.views import bp
from app.plans.models import Plan
from app.plans.services import editable_plans

DOCUMENT_MAX_BYTES = 30 * 1024 * 1024


def editable_period(period_id: int) -> CommentPeriod:
    return load_permitted(CommentPeriod, period_id, CommentPeriod.can_edit)


@bp.get("/staff/periods")
@roles_required("staff", "admin")
def staff_index():
    return render_template("periods/staff_index.html", periods=services.all_periods(),
                           plans=editable_plans(current_user), title=_("Comment periods"))


@bp.route("/staff/plans/<int:plan_id>/periods/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def create(plan_id: int):
    plan = load_permitted(Plan, plan_id, Plan.can_edit)
    form = PeriodForm(attributes=services.attribute_pairs(),
                      data=None if request.method == "POST" else _new_period_defaults(plan))

    def page():
        return render_template("periods/form.html", form=form, plan=plan, period=None, min_days=services.min_days(),
                               field_labels=submitter_field_labels(), title=_("New comment period"))

    if request.method != "POST":
        return page()
    return run_action(
        lambda: services.create_period(plan, form.period_data(), actor=current_user), form=form, page=page,
        status=200,
        done=_("The period has been saved as a draft. Add its documents and sections, then schedule it."),
        then=lambda period: url_for("periods.edit", period_id=period.id))


def _new_period_defaults(plan: Plan) -> dict:
    data = {f"rule_{name}": rule for name, rule in default_field_rules().items()}
    data.update(accept_web=True, contact_department=plan.department, contact=plan.contact, body_max_length=4000,
                max_attachments=3, max_attachment_mb=10, eligibility=[code for code, _ in services.attribute_pairs()])
    return data


@bp.route("/staff/periods/<int:period_id>/edit", methods=["GET", "POST"])
@roles_required("staff", "admin")
def edit(period_id: int):
    period = editable_period(period_id)
    if request.method == "POST":
        form = PeriodForm(attributes=services.attribute_pairs())
    else:
        form = PeriodForm.for_period(period, attributes=services.attribute_pairs())

    def page():
        return render_template("periods/form.html", form=form, plan=period.plan, period=period,
                               min_days=services.min_days(), field_labels=submitter_field_labels(),
                               action_form=ActionForm(), withdraw_form=WithdrawForm(),
                               extras=services.page_sections(period, "staff", current_user), title=period.title)

    if request.method != "POST":
        return page()
    return run_action(
        lambda: services.update_period(period, form.period_data(), actor=current_user,
                                       extension_reason=form.extension_reason.data or ""),
        form=form, page=page, status=200, done=_("The period has been saved."),
        then=url_for("periods.edit", period_id=period.id))


def _state_action(period_id: int, action, message: str):
    period = editable_period(period_id)
    return run_action(lambda: action(period, actor=current_user), form=ActionForm(), done=message,
                      then=url_for("periods.edit", period_id=period.id))


@bp.post("/staff/periods/<int:period_id>/schedule")
@roles_required("staff", "admin")
def schedule(period_id: int):
    return _state_action(period_id, services.schedule_period,
                         _("The period is scheduled: it is public and opens and closes at the times set."))


@bp.post("/staff/periods/<int:period_id>/unschedule")
@roles_required("staff", "admin")
def unschedule(period_id: int):
    return _state_action(period_id, services.unschedule_period, _("The period is a draft again."))


@bp.post("/staff/periods/<int:period_id>/withdraw")
@roles_required("staff", "admin")
def withdraw(period_id: int):
    period = editable_period(period_id)
    form = WithdrawForm()
    back = url_for("periods.edit", period_id=period.id)
    if not form.validate_on_submit():
        flash(_("Enter the reason for withdrawing."), "error")
        return redirect(back, code=303)
    return run_action(lambda: services.withdraw_period(period, actor=current_user, reason=form.reason.data),
                      done=_("The period has been withdrawn."), then=back)


@bp.route("/staff/periods/<int:period_id>/documents", methods=["GET", "POST"])
@roles_required("staff", "admin")
def documents(period_id: int):
    period = editable_period(period_id)
    form = DocumentForm()
    if form.validate_on_submit():
        storage = form.file.data
        if not storage or not storage.filename:
            form.file.errors = [_("Choose a PDF file.")]
        else:
            try:
                checked = uploads.check_file(storage, allowed=services.DOCUMENT_KINDS, max_bytes=DOCUMENT_MAX_BYTES)
            except uploads.UploadError as error:
                form.file.errors = [document_error(error)]
            else:
                return run_action(
                    lambda: services.add_document(period, checked, (form.title.data or "").strip(),
                                                  actor=current_user),
                    done=_("The document has been uploaded."), then=url_for("periods.documents", period_id=period.id))
    return render_template("periods/documents.html", period=period, form=form, action_form=ActionForm(),
                           title=_("Documents: %(title)s", title=period.title))


def document_error(error: uploads.UploadError) -> str:
    if error.code == "too_large":
        return _("%(name)s is larger than %(mb)d MB.", name=error.filename, mb=DOCUMENT_MAX_BYTES // (1024 * 1024))
    if error.code == "empty":
        return _("%(name)s is empty.", name=error.filename)
    return _("%(name)s is not a PDF file. Only PDF documents can be uploaded.", name=error.filename)


@bp.post("/staff/periods/<int:period_id>/documents/<int:document_id>/delete")
@roles_required("staff", "admin")
def delete_document(period_id: int, document_id: int):
    period = editable_period(period_id)
    doc = services.document_of(period, document_id) or abort(404)
    stored_name = doc.stored_name
    # The file goes only once the row is gone for good.
    return run_action(lambda: services.remove_document(doc, actor=current_user), form=ActionForm(),
                      after_commit=lambda _result: uploads.remove(services.DOCUMENT_AREA, stored_name),
                      done=_("The document has been removed."), then=url_for("periods.documents", period_id=period.id))


@bp.route("/staff/periods/<int:period_id>/sections", methods=["GET", "POST"])
@roles_required("staff", "admin")
def sections(period_id: int):
    period = editable_period(period_id)
    form = SectionsForm() if request.method == "POST" else SectionsForm(data={"rows": [
        {"id": str(s.id), "label": s.label, "title": s.title, "body": s.body} for s in period.sections]})
    if request.method == "GET":
        for _blank in range(3):
            form.rows.append_entry()

    def page():
        extras = [extra for _receiver, extra in signals.period_section_sources.send(period) if extra is not None]
        return render_template("periods/sections.html", period=period, form=form, extras=extras,
                               title=_("Sections: %(title)s", title=period.title))

    if form.validate_on_submit():
        rows = [SectionRow(int(row.data["id"]) if (row.data["id"] or "").isdigit() else None,
                           (row.data["label"] or "").strip(), (row.data["title"] or "").strip(), row.data["body"] or "")
                for row in form.rows]
        rows = [row for row in rows if row.title]
        return run_action(lambda: services.save_sections(period, rows, actor=current_user), page=page,
                          status=200, done=_("The sections have been saved."),
                          then=url_for("periods.sections", period_id=period.id))
    return page()


@bp.route("/admin/settings/periods", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    form = SettingsForm(data=None if request.method == "POST" else {
        "min_days": get_setting("period.min_days"),
        "attributes": "\n".join(f"{code} {label} | {english}" if english else f"{code} {label}"
                                 for code, label, english in label_entries("period.attributes"))})
    if form.validate_on_submit():
        return run_action(lambda: services.save_rules(min_days=form.min_days.data,
                                                      attributes=form.attribute_entries(),
                                                      reason=(form.reason.data or "").strip(), actor=current_user),
                          done=_("The settings have been saved."), then=url_for("periods.settings"))
    return render_template("periods/settings.html", form=form, attributes=attribute_labels(),
                           title=_("Comment period rules"))
