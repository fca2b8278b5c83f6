"""Staff pages: every submission of a period with its channel, paper entry, receipt slips, batch import."""

import secrets

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from app.core import formkeys, runs, uploads
from app.core.auth import load_permitted, roles_required
from app.core.models import JobRun
from app.core.pagination import paginate
from app.core.timeutil import jst_today
from app.extensions import db
from app.periods.labels import attribute_labels
from app.periods.models import CHANNELS, CommentPeriod
from app.submissions import importing, listing, services, tasks
from app.submissions.forms import ActionForm, ImportForm, PaperSubmissionForm
from app.submissions.messages import attach_error
from app.submissions.models import Submission
from app.submissions.services import SubmissionError
from app.submissions.views import bp, state_labels

STAFF_ROLES = ("staff", "admin", "moderator")
SCAN_MAX_COUNT = 10
SCAN_MAX_BYTES = 20 * 1024 * 1024


def readable_period(period_id: int) -> CommentPeriod:
    return load_permitted(CommentPeriod, period_id, CommentPeriod.can_read_submissions)


def editable_period(period_id: int) -> CommentPeriod:
    return load_permitted(CommentPeriod, period_id, CommentPeriod.can_edit)


def readable_submission(submission_id: int) -> Submission:
    return load_permitted(Submission, submission_id, lambda submission, user: submission.period.can_read_submissions(user))


@bp.get("/staff/periods/<int:period_id>/submissions")
@roles_required(*STAFF_ROLES)
def staff_index(period_id: int):
    period = readable_period(period_id)
    channel = request.args.get("channel", "")
    query = listing.submissions_query(period, channel if channel in CHANNELS else "")
    counts = listing.channel_counts(period)
    page = paginate(query, request.args.get("page", 1, type=int))
    return render_template("submissions/staff_index.html", period=period, page=page, counts=counts,
                           channel=channel, channels=CHANNELS, attributes=attribute_labels(), states=state_labels(),
                           title=_("Submissions: %(title)s", title=period.title))


@bp.route("/staff/periods/<int:period_id>/submissions/new", methods=["GET", "POST"])
@roles_required("staff", "admin")
def enter(period_id: int):
    period = editable_period(period_id)
    form = PaperSubmissionForm(period=period)
    scope = f"paper:{period.id}"
    if request.method == "GET":
        form.idempotency_key.data = formkeys.issue(scope, services.new_lookup_secret())
    if form.add_entry.data:
        form.append_entry()
    elif form.validate_on_submit():
        key = form.idempotency_key.data or ""
        if not services.KEY_PATTERN.match(key):
            abort(400)
        # As on the citizen's form: only a key this session was given repeats an earlier entry.
        secret = formkeys.issued(key, scope)
        try:
            if not secret:
                raise SubmissionError("key_taken")
            files = services.check_uploads(form.scans.data or [], max_count=SCAN_MAX_COUNT, max_bytes=SCAN_MAX_BYTES)
            submission, created = services.enter_paper(period.id, form.received(files), channel=form.channel.data,
                                                       received_on=form.received_on.data, idempotency_key=key,
                                                       secret=secret, actor=current_user)
        except SubmissionError as error:
            db.session.rollback()
            if error.code == "key_taken":
                form.idempotency_key.data = formkeys.issue(scope, services.new_lookup_secret())
                flash(_("This form was not issued to this browser, so nothing has been saved. Check the entries "
                        "and save again."), "error")
            else:
                if error.field == "attachments":
                    error.field = "scans"
                notice = attach_error(form, error)
                if notice:
                    flash(notice, "error")
        else:
            db.session.commit()
            session[SLIP_KEY] = [submission.id, secret]
            if created:
                flash(_("Saved with receipt number %(no)s.", no=submission.receipt_no), "success")
            return redirect(url_for("submissions.staff_show", submission_id=submission.id), code=303)
    return render_template("submissions/enter.html", period=period, form=form,
                           title=_("Enter a paper submission: %(title)s", title=period.title))



@bp.get("/staff/submissions/<int:submission_id>")
@roles_required(*STAFF_ROLES)
def staff_show(submission_id: int):
    submission = readable_submission(submission_id)
    return render_template("submissions/staff_show.html", submission=submission, period=submission.period,
                           attributes=attribute_labels(), states=state_labels(),
                           title=_("Submission %(no)s", no=submission.receipt_no))


# The lookup code of the last paper entry (or of a code just issued anew), for its slip: the database
# keeps only the code's hash, so the slip can show it only to the staff member who has it in hand.
SLIP_KEY = "slip"


def _slip_code(submission_id: int) -> str:
    held = session.get(SLIP_KEY)
    return held[1] if isinstance(held, list) and len(held) == 2 and held[0] == submission_id else ""


@bp.get("/staff/submissions/<int:submission_id>/slip")
@roles_required("staff", "admin")
def slip(submission_id: int):
    """A printable receipt (受付票) with the private lookup code, while this session holds it."""
    submission = readable_submission(submission_id)
    if not submission.period.can_edit(current_user):
        abort(403)
    secret = _slip_code(submission.id)
    response = make_response(render_template(
        "submissions/slip.html", submission=submission, period=submission.period,
        secret=services.format_secret(secret), form=ActionForm(),
        lookup_url=services.lookup_link(submission.receipt_no, secret) if secret else "",
        title=_("Receipt %(no)s", no=submission.receipt_no)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/staff/submissions/<int:submission_id>/slip")
@roles_required("staff", "admin")
def reissue_code(submission_id: int):
    """A new lookup code for the slip; the old one stops working."""
    submission = readable_submission(submission_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        secret = services.reissue_lookup_code(submission, actor=current_user)
    except SubmissionError:
        db.session.rollback()
        abort(403)
    db.session.commit()
    session[SLIP_KEY] = [submission.id, secret]
    return redirect(url_for("submissions.slip", submission_id=submission.id), code=303)


@bp.get("/staff/submissions/<int:submission_id>/attachments/<int:attachment_id>")
@roles_required(*STAFF_ROLES)
def attachment(submission_id: int, attachment_id: int):
    submission = readable_submission(submission_id)
    item = listing.attachment_of(submission, attachment_id) or abort(404)
    return uploads.send_stored(services.ATTACHMENT_AREA, item.stored_name, filename=item.filename,
                               content_type=item.content_type)


@bp.route("/staff/periods/<int:period_id>/submissions/import", methods=["GET", "POST"])
@roles_required("staff", "admin")
def import_file(period_id: int):
    period = editable_period(period_id)
    form = ImportForm()
    problems: list[importing.RowProblem] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            services.check_paper_period(period)
            sha256 = importing.fingerprint(upload.stream)
            importing.check_not_imported(period.id, sha256)
            rows, problems = importing.parse(upload.stream, period, jst_today())
            if not problems:
                return _import_clean(period, rows, upload, sha256)
        except (importing.ImportFileError, SubmissionError) as error:
            db.session.rollback()
            form.file.errors = [error.message]
    return render_template("submissions/import.html", period=period, form=form, problems=problems,
                           columns=importing.COLUMNS, headers=importing.HEADERS_JA,
                           title=_("Import submissions: %(title)s", title=period.title))


def _import_clean(period: CommentPeriod, rows: list[importing.ImportRow], upload: FileStorage, sha256: str):
    if len(rows) <= current_app.config["IMPORT_INLINE_MAX_ROWS"]:
        imported = importing.import_rows(period.id, rows, file_sha256=sha256, actor=current_user)
        db.session.commit()
        flash(ngettext("%(num)d submission imported: receipt number %(first)s.",
                       "%(num)d submissions imported: receipt numbers %(first)s to %(last)s.", imported.count,
                       first=imported.first_receipt_no, last=imported.last_receipt_no), "success")
        return redirect(url_for("submissions.staff_index", period_id=period.id), code=303)
    stored_name = f"{secrets.token_hex(16)}.dat"
    upload.stream.seek(0)
    upload.save(tasks.import_path(stored_name))
    run = runs.start_run(tasks.IMPORT_KIND, tasks.import_submissions, **runs.run_subject(period),
                         actor=current_user,
                         params={"period_id": period.id, "stored_name": stored_name, "filename": upload.filename or "",
                                 "rows": len(rows), "actor_id": current_user.id})
    db.session.commit()
    return redirect(url_for("submissions.import_run", run_id=run.id), code=303)


@bp.get("/staff/periods/<int:period_id>/submissions/import/template.csv")
@roles_required("staff", "admin")
def import_template(period_id: int):
    editable_period(period_id)
    return Response(importing.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=submissions-template.csv"})


def readable_run(run_id: int) -> JobRun:
    run = db.get_or_404(JobRun, run_id)
    if run.kind != tasks.IMPORT_KIND:
        abort(404)
    editable_period(run.subject_id)
    return run


@bp.get("/staff/imports/<int:run_id>")
@roles_required("staff", "admin")
def import_run(run_id: int):
    run = readable_run(run_id)
    return render_template("submissions/import_run.html", run=run, period=editable_period(run.subject_id),
                           title=_("Import of %(name)s", name=run.params.get("filename", "")))


@bp.get("/staff/imports/<int:run_id>/status.json")
@roles_required("staff", "admin")
def import_status(run_id: int):
    run = readable_run(run_id)
    return jsonify(state=run.state, progress=run.progress, step=run.step, result=run.result, error=run.error)
