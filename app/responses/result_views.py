"""The result: staff prepare, check and publish it; everyone reads it and downloads its files."""

import base64
import hashlib
import re
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.actions import run_action
from app.core.audit import record_audit
from app.core.auth import roles_required
from app.core.models import JobRun
from app.core.runs import latest_run
from app.core.security import CSP
from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses import checks, results
from app.responses.exports import PUBLIC_FORMATS, STAFF_FORMATS
from app.responses.forms import ActionForm, ErratumForm, PublishForm, ResultForm
from app.responses.messages import problem_message
from app.responses.report import result_page
from app.responses.views import editable_period

bp = Blueprint("results", __name__)


def problem_link(problem: results.Problem, period: CommentPeriod) -> str:
    """Where to fix a problem, when a page is made for it."""
    if problem.code.startswith("personal_data_"):
        return url_for("privacy.review", period_id=period.id)
    return ""


def _manage(period: CommentPeriod, form=None, erratum_form=None, publish_form=None, status: int = 200):
    result = results.result_for(period)
    html = render_template(
        "responses/manage_result.html", period=period, result=result,
        form=form or ResultForm(obj=result), erratum_form=erratum_form or ErratumForm(), action_form=ActionForm(),
        publish_form=publish_form or PublishForm(formdata=None),
        problems=[(problem_message(p), problem_link(p, period)) for p in checks.publication_problems(period)],
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
    if request.method != "POST":
        return _manage(period, form=form)
    return run_action(
        lambda: results.update_result(period, title=form.title.data, draft_published_on=form.draft_published_on.data,
                                      full_text_note=form.full_text_note.data or "",
                                      introduction=form.introduction.data or "", actor=current_user),
        form=form, error_field=form.title, page=lambda: _manage(period, form=form)[0],
        done=_("The result has been saved."), then=url_for("results.manage", period_id=period.id))


@bp.post("/staff/periods/<int:period_id>/result/publish")
@roles_required("staff", "admin")
def publish(period_id: int):
    period = editable_period(period_id)
    publish_form = PublishForm()
    if not publish_form.validate_on_submit():
        if publish_form.csrf_token.errors:
            abort(400)
        # It cannot be undone: without the box ticked nothing is published.
        return _manage(period, publish_form=publish_form, status=422)
    return run_action(lambda: results.publish_result(period, actor=current_user),
                      done=_("The result has been published. Submitters who left an email address are being told."),
                      then=url_for("results.manage", period_id=period.id))


@bp.post("/staff/periods/<int:period_id>/result/errata")
@roles_required("staff", "admin")
def add_erratum(period_id: int):
    period = editable_period(period_id)
    form = ErratumForm()
    return run_action(
        lambda: results.add_erratum(period, location=form.location.data or "", before=form.before.data or "",
                                    after=form.after.data, reason=form.reason.data, actor=current_user),
        form=form, error_field=form.reason, page=lambda: _manage(period, erratum_form=form)[0],
        done=_("The correction has been published on the result page."),
        then=url_for("results.manage", period_id=period.id))


@bp.post("/staff/periods/<int:period_id>/result/exports")
@roles_required("staff", "admin")
def rebuild_exports(period_id: int):
    period = editable_period(period_id)
    return run_action(lambda: results.request_exports(period, actor=current_user), form=ActionForm(),
                      done=_("The files are being built."), then=url_for("results.manage", period_id=period.id))


@bp.post("/staff/periods/<int:period_id>/result/staff-export")
@roles_required("staff", "admin")
def staff_export(period_id: int):
    period = editable_period(period_id)
    return run_action(lambda: results.request_staff_export(period, actor=current_user), form=ActionForm(),
                      done=_("The internal list is being built. It holds personal data: keep it inside the office."),
                      then=url_for("results.manage", period_id=period.id))


@bp.get("/staff/exports/<int:run_id>/<fmt>")
@roles_required("staff", "admin")
def staff_download(run_id: int, fmt: str):
    """Personal data leaves only by this door: the plan's department, each download logged."""
    run = db.get_or_404(JobRun, run_id)
    if run.kind != results.STAFF_EXPORT_KIND or run.state != "done" or fmt not in STAFF_FORMATS:
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
    return render_template("responses/result.html", report=result_page(period, _page_number()), preview=True,
                           files={}, result_endpoint="results.preview",
                           title=_("Preview: %(title)s", title=period.title))


def _page_number() -> int:
    """``?page=`` from 1; anything else is the first page (an old link without it, too)."""
    raw = request.args.get("page", "")
    return min(int(raw), 10**6) if raw.isdigit() and int(raw) > 0 else 1


@bp.get("/results")
def index():
    return render_template("responses/index.html", rows=results.published_results(), title=_("Results"))


def public_period(period_id: int) -> CommentPeriod:
    period = db.get_or_404(CommentPeriod, period_id)
    if not results.is_public(period):
        abort(404)
    return period


@bp.get("/periods/<int:period_id>/result")
def show(period_id: int):
    """The published result, a page of rows at a time (page 1 at the old address), every part of the
    draft listed with a link to the page where it starts."""
    period = public_period(period_id)
    report = result_page(period, _page_number())
    run = latest_run(results.EXPORT_KIND, period, done=True)
    files = run.result.get("files", {}) if run else {}
    return render_template("responses/result.html", report=report, preview=False, files=files,
                           result_endpoint="results.show", title=report.title)


@bp.get("/periods/<int:period_id>/result/download/<fmt>")
def download(period_id: int, fmt: str):
    period = public_period(period_id)
    run = latest_run(results.EXPORT_KIND, period, done=True)
    if run is None or fmt not in PUBLIC_FORMATS:
        abort(404)
    return _send(run, fmt, PUBLIC_FORMATS, f"result-{period.id}")
