from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.core.actions import run_action
from app.core.audit import record_audit
from app.core.auth import load_permitted, roles_required
from app.core.models import JobRun, OutboxJob
from app.extensions import db
from app.jobs import services

bp = Blueprint("jobs", __name__)


def followed_run(run_id: int) -> JobRun:
    return load_permitted(JobRun, run_id, services.can_follow_run)


@bp.get("/jobs/runs/<int:run_id>.json")
@roles_required(*services.FOLLOWER_ROLES)
def run_json(run_id: int):
    response = jsonify(services.run_status(followed_run(run_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/runs/<int:run_id>")
@roles_required(*services.FOLLOWER_ROLES)
def show_run(run_id: int):
    run = followed_run(run_id)
    return render_template("jobs/run.html", run=run, status=services.run_status(run),
                           files=services.result_files(run), title=_("Background job %(id)d", id=run.id))


@bp.get("/jobs/runs/<int:run_id>/files/<int:index>")
@roles_required(*services.FOLLOWER_ROLES)
def download(run_id: int, index: int):
    run = followed_run(run_id)
    files = services.result_files(run)
    if run.state != "done" or not 0 <= index < len(files):
        abort(404)
    entry = files[index]
    path = services.exports_folder() / entry["stored"]
    if not path.is_file():
        abort(404)
    # Staff exports may carry what citizens wrote: who took one is recorded.
    record_audit("job_run.download", run, actor=current_user, details={"file": entry["name"]})
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=entry["name"], mimetype=entry.get("type"))


@bp.get("/admin/jobs")
@roles_required("admin")
def admin_index():
    return render_template("jobs/admin.html", runs=services.failed_runs(), jobs=services.failed_outbox_jobs(),
                           form=FlaskForm(), error_message=services.error_message, title=_("Failed background jobs"))


@bp.post("/admin/jobs/runs/<int:run_id>/retry")
@roles_required("admin")
def retry_run(run_id: int):
    run = db.session.get(JobRun, run_id) or abort(404)
    return run_action(lambda: services.retry_run(run, actor=current_user), form=FlaskForm(),
                      done=_("The job has been started again."), then=url_for("jobs.admin_index"))


@bp.post("/admin/jobs/outbox/<job_id>/retry")
@roles_required("admin")
def retry_outbox(job_id: str):
    job = db.session.get(OutboxJob, job_id) or abort(404)
    return run_action(lambda: services.retry_outbox(job, actor=current_user), form=FlaskForm(),
                      done=_("The job has been queued again."), then=url_for("jobs.admin_index"))
