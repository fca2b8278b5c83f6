"""The result: staff prepare, check and publish it; everyone reads it and downloads its files."""

import base64
import hashlib
import re
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.auth import roles_required
from app.core.models import JobRun
from app.core.runs import subject_type
from app.core.security import CSP
from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses import results
from app.responses.exports import PUBLIC_FORMATS, STAFF_FORMATS
from app.responses.forms import ActionForm, ErratumForm, PublishForm, ResultForm
from app.responses.report import public_result
from app.responses.services import ResponseError
from app.responses.views import editable_period, error_message

bp = Blueprint("results", __name__)


def problem_message(problem: results.Problem) -> str:
    n = problem.count
    return {
        "already_published": lambda: _("The result has already been published."),
        "not_closed": lambda: _("The comment period has not closed yet."),
        "pending_opinions": lambda: ngettext("%(num)d opinion has not been decided by moderation yet.",
                                             "%(num)d opinions have not been decided by moderation yet.", n),
        "unsplit_submissions": lambda: ngettext("%(num)d submission has not been split into opinions yet.",
                                                "%(num)d submissions have not been split into opinions yet.", n),
        "missing_responses": lambda: ngettext("%(num)d accepted opinion or group has no approved answer.",
                                              "%(num)d accepted opinions or groups have no approved answer.", n),
        "no_title": lambda: _("The result has no title."),
        "no_draft_date": lambda: _("The date the draft was published is missing."),
        "no_full_text_note": lambda: _("Summaries stand in for full texts: say where the full texts can be read."),
        "personal_data_unreviewed": lambda: ngettext(
            "%(num)d personal detail (phone, email, address or name) found in accepted opinions or approved answers "
            "has not been reviewed: hide it or mark it as not personal.",
            "%(num)d personal details (phones, emails, addresses or names) found in accepted opinions or approved "
            "answers have not been reviewed: hide each or mark it as not personal.", n),
        "personal_data_unscreened": lambda: ngettext(
            "%(num)d accepted opinion or approved answer changed since it was screened and holds personal data: "
            "screen it again and review what is found.",
            "%(num)d accepted opinions or approved answers changed since they were screened and hold personal data: "
            "screen them again and review what is found.", n),
    }[problem.code]()


def problem_link(problem: results.Problem, period: CommentPeriod) -> str:
    """Where to fix a problem, when a page is made for it."""
    if problem.code.startswith("personal_data_"):
        return url_for("privacy.review", period_id=period.id)
    return ""


def result_error(code: str) -> str:
    return {
        "not_published": _("The result has not been published yet."),
        "too_long": _("One of the texts is too long."),
        "draft_date_after_close": _("The draft cannot have been published after the period closed."),
        "reason_required": _("Enter the reason for the correction."),
        "after_required": _("Enter the corrected text."),
    }.get(code) or error_message(code)


def latest_run(kind: str, period: CommentPeriod) -> JobRun | None:
    return db.session.scalar(
        select(JobRun).where(JobRun.kind == kind, JobRun.subject_type == subject_type(CommentPeriod),
                             JobRun.subject_id == period.id).order_by(JobRun.id.desc()).limit(1)
    )


def latest_done_run(kind: str, period: CommentPeriod) -> JobRun | None:
    return db.session.scalar(
        select(JobRun).where(JobRun.kind == kind, JobRun.subject_type == subject_type(CommentPeriod),
                             JobRun.subject_id == period.id, JobRun.state == "done").order_by(JobRun.id.desc()).limit(1)
    )


def _manage(period: CommentPeriod, form=None, erratum_form=None, publish_form=None, status: int = 200):
    result = results.result_for(period)
    html = render_template(
        "responses/manage_result.html", period=period, result=result,
        form=form or ResultForm(obj=result), erratum_form=erratum_form or ErratumForm(), action_form=ActionForm(),
        publish_form=publish_form or PublishForm(formdata=None),
        problems=[(problem_message(p), problem_link(p, period)) for p in results.publication_problems(period)],
        export_run=latest_run(results.EXPORT_KIND, period),
        staff_run=latest_run(results.STAFF_EXPORT_KIND, period), staff_formats=STAFF_FORMATS,
        title=_("Result: %(title)s", title=period.title),
    )
    return html, status


@bp.route("/staff/periods/<int:period_id>/result", methods=["GET", "POST"])
@roles_required("staff", "admin")
def manage(period_id: int):
    period = editable_period(period_id)
    form = ResultForm(obj=results.result_for(period))
    if form.validate_on_submit():
        try:
            results.update_result(period, title=form.title.data, draft_published_on=form.draft_published_on.data,
                                  full_text_note=form.full_text_note.data or "",
                                  introduction=form.introduction.data or "", actor=current_user)
        except ResponseError as exc:
            db.session.rollback()
            form.title.errors.append(result_error(exc.code))
            return _manage(period, form=form, status=422)
        db.session.commit()
        flash(_("The result has been saved."), "success")
        return redirect(url_for("results.manage", period_id=period.id), code=303)
    return _manage(period, form=form, status=422 if form.errors else 200)


@bp.post("/staff/periods/<int:period_id>/result/publish")
@roles_required("staff", "admin")
def publish(period_id: int):
    period = editable_period(period_id)
    publish_form = PublishForm()
    if not publish_form.validate_on_submit():
        if publish_form.csrf_token.errors:
            abort(400)
        return _manage(period, publish_form=publish_form, status=422)
    try:
        results.publish_result(period, actor=current_user)
    except results.PublicationRefused as exc:
        db.session.rollback()
        for problem in exc.problems:
            flash(problem_message(problem), "error")
        return redirect(url_for("results.manage", period_id=period.id), code=303)
    except ResponseError as exc:
        db.session.rollback()
        flash(result_error(exc.code), "error")
        return redirect(url_for("results.manage", period_id=period.id), code=303)
    db.session.commit()
    flash(_("The result has been published. Submitters who left an email address are being told."), "success")
    return redirect(url_for("results.manage", period_id=period.id), code=303)


@bp.post("/staff/periods/<int:period_id>/result/errata")
@roles_required("staff", "admin")
def add_erratum(period_id: int):
    period = editable_period(period_id)
    form = ErratumForm()
    if form.validate_on_submit():
        try:
            results.add_erratum(period, location=form.location.data or "", before=form.before.data or "",
                                after=form.after.data, reason=form.reason.data, actor=current_user)
        except ResponseError as exc:
            db.session.rollback()
            form.reason.errors.append(result_error(exc.code))
            return _manage(period, erratum_form=form, status=422)
        db.session.commit()
        flash(_("The correction has been published on the result page."), "success")
        return redirect(url_for("results.manage", period_id=period.id), code=303)
    return _manage(period, erratum_form=form, status=422)


@bp.post("/staff/periods/<int:period_id>/result/exports")
@roles_required("staff", "admin")
def rebuild_exports(period_id: int):
    period = editable_period(period_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        results.request_exports(period, actor=current_user)
    except ResponseError as exc:
        db.session.rollback()
        flash(result_error(exc.code), "error")
    else:
        db.session.commit()
        flash(_("The files are being built."), "success")
    return redirect(url_for("results.manage", period_id=period.id), code=303)


@bp.post("/staff/periods/<int:period_id>/result/staff-export")
@roles_required("staff", "admin")
def staff_export(period_id: int):
    period = editable_period(period_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    results.request_staff_export(period, actor=current_user)
    db.session.commit()
    flash(_("The internal list is being built. It holds personal data: keep it inside the office."), "success")
    return redirect(url_for("results.manage", period_id=period.id), code=303)


@bp.get("/staff/exports/<int:run_id>/<fmt>")
@roles_required("staff", "admin")
def staff_download(run_id: int, fmt: str):
    """Personal data leaves only by this door: the plan's department, each download logged."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.kind != results.STAFF_EXPORT_KIND or run.state != "done" or fmt not in STAFF_FORMATS:
        abort(404)
    period = editable_period(run.subject_id)
    record_audit("result.staff_export_download", period, actor=current_user, details={"run": run.id, "format": fmt})
    db.session.commit()
    return _send(run, fmt, STAFF_FORMATS, f"submissions-{period.id}")


def _send(run: JobRun, fmt: str, formats: dict, stem: str):
    name, mimetype = formats[fmt]
    if run.result.get("files", {}).get(fmt) != name:
        abort(404)
    path = Path(current_app.config["EXPORT_FOLDER"]) / str(run.id) / name
    if not path.is_file():
        abort(404)
    # The PDF and the printable page open in the browser, to be read and printed; the rest download.
    response = send_file(path, mimetype=mimetype, as_attachment=fmt not in ("pdf", "html"),
                         download_name=f"{stem}.{fmt}", max_age=0)
    if fmt == "html":
        response.headers["Content-Security-Policy"] = _print_page_policy(path)
    response.headers["Cache-Control"] = "private, no-store" if formats is STAFF_FORMATS else "public, max-age=300"
    return response


def _print_page_policy(path: Path) -> str:
    """The site's policy, letting the printable page's own embedded stylesheet (kept inside the file so a
    saved copy still prints well) apply, and nothing else inline."""
    found = re.search(r"<style>(.*?)</style>", path.read_text(encoding="utf-8"), re.S)
    if found is None:
        return CSP
    digest = base64.b64encode(hashlib.sha256(found.group(1).encode()).digest()).decode()
    return CSP.replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")


@bp.get("/staff/periods/<int:period_id>/result/preview")
@roles_required("staff", "admin")
def preview(period_id: int):
    period = editable_period(period_id)
    return render_template("responses/result.html", report=public_result(period), preview=True, files={},
                           title=_("Preview: %(title)s", title=period.title))


@bp.get("/results")
def index():
    return render_template("responses/index.html", rows=results.published_results(), title=_("Results"))


def public_period(period_id: int) -> CommentPeriod:
    period = db.session.get(CommentPeriod, period_id)
    if period is None or not results.is_public(period):
        abort(404)
    return period


@bp.get("/periods/<int:period_id>/result")
def show(period_id: int):
    period = public_period(period_id)
    report = public_result(period)
    run = latest_done_run(results.EXPORT_KIND, period)
    files = run.result.get("files", {}) if run else {}
    return render_template("responses/result.html", report=report, preview=False, files=files, title=report.title)


@bp.get("/periods/<int:period_id>/result/download/<fmt>")
def download(period_id: int, fmt: str):
    period = public_period(period_id)
    run = latest_done_run(results.EXPORT_KIND, period)
    if run is None or fmt not in PUBLIC_FORMATS:
        abort(404)
    return _send(run, fmt, PUBLIC_FORMATS, f"result-{period.id}")
