"""Who may follow a run, what the progress endpoint says, and the admins' retries. Flush only."""

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import signals
from app.core.audit import record_audit
from app.core.auth import has_any_role
from app.core.errors import DomainError
from app.core.jobs import resolve, retry_outbox_job
from app.core.models import JobRun, OutboxJob
from app.core.runs import start_run
from app.extensions import db

FOLLOWER_ROLES = ("staff", "moderator", "admin")
STATE_LABELS = {"queued": _l("Waiting to start"), "running": _l("Running"), "done": _l("Finished"),
                "failed": _l("Failed")}
# Short codes jobs give ``runs.fail`` for the failures people should understand.
ERRORS = {
    "period_deleted": _l("The comment period was deleted before the job ran."),
    "digest_missing": _l("There is no digest to export yet. Build the digest first."),
    "survey_deleted": _l("The survey or its group was deleted before the job ran."),
}


class JobError(DomainError):
    """An admin's retry the rule refuses: only what failed starts again."""

    def describe(self) -> str:
        return _("Only a failed job can be started again.")


def can_follow_run(run: JobRun, user) -> bool:
    """Staff, moderators and admins; for a subject features guard (``signals.job_run_access``), only
    those every one of them lets see it."""
    if not has_any_role(user, *FOLLOWER_ROLES):
        return False
    if user.has_role("admin"):
        return True
    verdicts = signals.job_run_access.send(run.subject_type, run=run, user=user)
    return all(verdict is not False for _receiver, verdict in verdicts)


def step_label(step: str | None):
    """What the progress bar says for a step code jobs give ``runs.progress`` (``signals.job_steps``)."""
    for _receiver, labels in signals.job_steps.send():
        if step in labels:
            return labels[step]
    return step


def error_message(run: JobRun) -> str:
    message = ERRORS.get(run.error)
    return str(message) if message is not None else run.error


def result_files(run: JobRun) -> list[dict]:
    """The files a run lists for /jobs downloads. Result exports keep theirs as {format: name} and
    serve them through their own routes: those are not listed here."""
    files = (run.result or {}).get("files", [])
    return [entry for entry in files if isinstance(entry, dict)] if isinstance(files, list) else []


def run_status(run: JobRun) -> dict:
    """What the progress endpoint answers and the progress bar shows."""
    return {
        "id": run.id,
        "kind": run.kind,
        "state": run.state,
        "state_label": str(STATE_LABELS.get(run.state, run.state)),
        "progress": run.progress,
        "step": str(step_label(run.step)),
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "seconds": (run.finished_at - run.started_at).total_seconds()
        if run.started_at and run.finished_at else None,
        "files": [file["name"] for file in result_files(run)],
        "error": error_message(run) if run.state == "failed" else "",
        "finished": run.state in ("done", "failed"),
        "label": _("%(percent)d%% complete", percent=run.progress),
    }


def exports_folder() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def failed_runs(limit: int = 100) -> list[JobRun]:
    return list(db.session.scalars(
        select(JobRun).where(JobRun.state == "failed").order_by(JobRun.finished_at.desc()).limit(limit)
    ))


def failed_outbox_jobs(limit: int = 100) -> list[OutboxJob]:
    return list(db.session.scalars(
        select(OutboxJob).where(OutboxJob.state == "failed").order_by(OutboxJob.created_at.desc()).limit(limit)
    ))


def retry_run(run: JobRun, *, actor) -> JobRun:
    """A failed run starts again as a new run with the same job and subject (the failed one stays
    as the record of what went wrong). Any other run is refused and left as it is."""
    if run.state != "failed" or not run.func:
        raise JobError("not_failed")
    new = start_run(run.kind, resolve(run.func), subject_type=run.subject_type, subject_id=run.subject_id,
                    params=run.params, actor=actor)
    record_audit("job_run.retry", run, actor=actor, details={"new_run": new.id, "kind": run.kind})
    return new



def retry_outbox(job: OutboxJob, *, actor) -> OutboxJob:
    """A failed outbox job goes round again; one that did not fail is refused, so nothing is sent twice."""
    if job.state != "failed":
        raise JobError("not_failed")
    return retry_outbox_job(job, actor=actor)
