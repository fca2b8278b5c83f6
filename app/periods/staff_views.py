"""Staff pages of comment periods, and the admin's page for the city's period rules."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import uploads
from app.core.auth import roles_required
from app.core.settings import get_setting, label_entries, set_setting
from app.extensions import db
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
from app.periods.models import CommentPeriod, PeriodDocument, default_field_rules
from app.periods.services import PeriodError, SectionRow
from app.periods.views import attribute_labels, bp, error_message
from app.plans.models import Plan

DOCUMENT_MAX_BYTES = 30 * 1024 * 1024


def editable_period(period_id: int) -> CommentPeriod:
    period = db.session.get(CommentPeriod, period_id) or abort(404)
    if not period.can_edit(current_user):
        abort(403)
    return period


def _show_error(form, error: PeriodError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    message = error_message(error)
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        flash(message, "error")


@bp.get("/staff/periods")
@roles_required("staff", "admin")
def staff_index():
    periods = db.session.scalars(select(CommentPeriod).options(selectinload(CommentPeriod.plan))
                                 .order_by(CommentPeriod.opens_at.desc())).all()
    plans = db.session.scalars(select(Plan).order_by(Plan.created_at.desc())).all()
    return render_template("periods/staff_index.html", periods=periods,
                           plans=[plan for plan in plans if plan.can_edit(current_user)], title=_("Comment periods"))


@bp.route("/staff/plans/<int:plan_id>/periods/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def create(plan_id: int):
    plan = db.session.get(Plan, plan_id) or abort(404)
    if not plan.can_edit(current_user):
        abort(403)
    form = PeriodForm(attributes=services.attribute_pairs(),
                      data=None if request.method == "POST" else _new_period_defaults(plan))
    if form.validate_on_submit():
        try:
            period = services.create_period(plan, form.period_data(), actor=current_user)
        except PeriodError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The period has been saved as a draft. Add its documents and sections, then schedule it."),
                  "success")
            return redirect(url_for("periods.edit", period_id=period.id), code=303)
    return render_template("periods/form.html", form=form, plan=plan, period=None, min_days=services.min_days(),
                           field_labels=submitter_field_labels(), title=_("New comment period"))


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
    if form.validate_on_submit():
        try:
            services.update_period(period, form.period_data(), actor=current_user,
                                   extension_reason=form.extension_reason.data or "")
        except PeriodError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The period has been saved."), "success")
            return redirect(url_for("periods.edit", period_id=period.id), code=303)
    return render_template("periods/form.html", form=form, plan=period.plan, period=period,
                           min_days=services.min_days(), field_labels=submitter_field_labels(),
                           action_form=ActionForm(), withdraw_form=WithdrawForm(), title=period.title)


def _state_action(period_id: int, action, message: str):
    period = editable_period(period_id)
    if ActionForm().validate_on_submit():
        try:
            action(period, actor=current_user)
        except PeriodError as error:
            db.session.rollback()
            flash(error_message(error), "error")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("periods.edit", period_id=period.id), code=303)


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
    if form.validate_on_submit():
        try:
            services.withdraw_period(period, actor=current_user, reason=form.reason.data)
        except PeriodError as error:
            db.session.rollback()
            flash(error_message(error), "error")
        else:
            db.session.commit()
            flash(_("The period has been withdrawn."), "success")
    else:
        flash(_("Enter the reason for withdrawing."), "error")
    return redirect(url_for("periods.edit", period_id=period.id), code=303)


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
                services.add_document(period, checked, (form.title.data or "").strip(), actor=current_user)
                db.session.commit()
                flash(_("The document has been uploaded."), "success")
                return redirect(url_for("periods.documents", period_id=period.id), code=303)
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
    doc = db.session.get(PeriodDocument, document_id)
    if doc is None or doc.period_id != period.id:
        abort(404)
    if ActionForm().validate_on_submit():
        stored_name = doc.stored_name
        services.remove_document(doc, actor=current_user)
        db.session.commit()
        uploads.remove(services.DOCUMENT_AREA, stored_name)
        flash(_("The document has been removed."), "success")
    return redirect(url_for("periods.documents", period_id=period.id), code=303)


@bp.route("/staff/periods/<int:period_id>/sections", methods=["GET", "POST"])
@roles_required("staff", "admin")
def sections(period_id: int):
    period = editable_period(period_id)
    form = SectionsForm() if request.method == "POST" else SectionsForm(data={"rows": [
        {"id": str(s.id), "label": s.label, "title": s.title, "body": s.body} for s in period.sections]})
    if request.method == "GET":
        for _blank in range(3):
            form.rows.append_entry()
    if form.validate_on_submit():
        rows = [SectionRow(int(row.data["id"]) if (row.data["id"] or "").isdigit() else None,
                           (row.data["label"] or "").strip(), (row.data["title"] or "").strip(), row.data["body"] or "")
                for row in form.rows]
        rows = [row for row in rows if row.title]
        try:
            services.save_sections(period, rows, actor=current_user)
        except PeriodError as error:
            db.session.rollback()
            flash(error_message(error), "error")
        else:
            db.session.commit()
            flash(_("The sections have been saved."), "success")
            return redirect(url_for("periods.sections", period_id=period.id), code=303)
    return render_template("periods/sections.html", period=period, form=form,
                           title=_("Sections: %(title)s", title=period.title))


@bp.route("/admin/settings/periods", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    form = SettingsForm(data=None if request.method == "POST" else {
        "min_days": get_setting("period.min_days"),
        "attributes": "\n".join(f"{code} {label} | {english}" if english else f"{code} {label}"
                                 for code, label, english in label_entries("period.attributes"))})
    if form.validate_on_submit():
        reason = (form.reason.data or "").strip()
        if form.min_days.data != get_setting("period.min_days"):
            set_setting("period.min_days", form.min_days.data, actor=current_user, reason=reason)
        if [tuple(entry) for entry in form.attribute_entries()] != label_entries("period.attributes"):
            set_setting("period.attributes", form.attribute_entries(), actor=current_user, reason=reason)
        db.session.commit()
        flash(_("The settings have been saved."), "success")
        return redirect(url_for("periods.settings"), code=303)
    return render_template("periods/settings.html", form=form, attributes=attribute_labels(),
                           title=_("Comment period rules"))
