"""Background work for submissions: large batch imports, with progress staff can watch."""

from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from app.accounts.models import User
from app.core import runs, uploads
from app.core.jobs import job
from app.core.models import JobRun
from app.core.timeutil import jst_today
from app.extensions import db
from app.periods.models import CommentPeriod
from app.submissions import importing
from app.submissions.messages import error_message, import_file_message
from app.submissions.services import SubmissionError

IMPORT_AREA = "imports"
IMPORT_KIND = "submissions.import"


def import_path(stored_name: str) -> Path:
    return uploads.upload_root(IMPORT_AREA) / stored_name


@job("low")
def import_submissions(run_id: int) -> None:
    """Check the stored file again (the period may have changed, or the same file may have been imported
    meanwhile), then write every row in one transaction, committed together with the run's "done".
    Safe to run twice: a finished run is left alone, and an unfinished one committed nothing. A run that
    fails also deletes its copy of the file (personal data, and nothing will read it again)."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.state in ("done", "failed"):
        return
    run = runs.begin(run_id)
    params = run.params
    period = db.session.get(CommentPeriod, params["period_id"])
    path = import_path(params["stored_name"])
    if period is None or not path.exists():
        runs.fail(run, "the period or the uploaded file no longer exists")
        path.unlink(missing_ok=True)
        return
    total = max(1, params.get("rows", 0))
    # A worker has no request to ask for a language: the city's own, for the reasons staff will read.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            with path.open("rb") as stream:
                sha256 = importing.fingerprint(stream)
                rows, problems = importing.parse(
                    stream, period, jst_today(),
                    progress=lambda count: runs.progress(run, min(50, count * 50 // total), "checking"))
            if problems:
                raise ImportRejected("; ".join(f"line {p.line}: {' / '.join(p.reasons)}" for p in problems[:20]))
            runs.progress(run, 50, "writing")
            actor = db.session.get(User, params["actor_id"]) if params.get("actor_id") else None
            imported = importing.import_rows(period.id, rows, file_sha256=sha256, actor=actor)
        except (importing.ImportFileError, SubmissionError, ImportRejected) as error:
            db.session.rollback()
            runs.fail(db.session.get(JobRun, run_id), _reason(error))
            path.unlink(missing_ok=True)
            return
    runs.finish(run, {"count": imported.count, "first": imported.first_receipt_no, "last": imported.last_receipt_no})
    path.unlink(missing_ok=True)


class ImportRejected(Exception):
    """Rows of the file break the rules: the message lists them."""


def _reason(error: Exception) -> str:
    if isinstance(error, importing.ImportFileError):
        return import_file_message(error)
    if isinstance(error, SubmissionError):
        return error_message(error)
    return str(error)
