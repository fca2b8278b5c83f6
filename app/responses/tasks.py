"""Jobs of results: the export files. (The email telling a submitter that the result is out, with
what became of each of their opinions, is ``app.moderation.tasks.notify_submitter_outcome``.)

Each takes ids, reloads what it needs and can run twice: files are written again in the run's own folder.
"""

from app.core import runs
from app.core.jobs import job
from app.extensions import db
from app.periods.models import CommentPeriod


@job("low")
def export_result(run_id: int) -> None:
    """The public files of a published result. Never anything a citizen did not see on the page."""
    from app.responses.exports import export_folder, write_public
    from app.responses.report import public_result

    run = runs.begin(run_id)
    if run is None:
        return
    period = db.session.get(CommentPeriod, run.subject_id)
    if period is None or period.results_published_at is None:
        runs.fail(run, "the result is not published")
        return
    try:
        runs.progress(run, 20, "collecting")
        files = write_public(public_result(period), export_folder(run.id))
    except Exception as exc:
        db.session.rollback()
        runs.fail(run, f"{type(exc).__name__}: {exc}")
        raise
    runs.finish(run, {"files": files})


@job("default")
def export_staff(run_id: int) -> None:
    """The internal list with submitter details, for the department's own records."""
    from app.responses.exports import export_folder, write_staff

    run = runs.begin(run_id)
    if run is None:
        return
    period = db.session.get(CommentPeriod, run.subject_id)
    if period is None:
        runs.fail(run, "the period is gone")
        return
    try:
        runs.progress(run, 20, "collecting")
        files = write_staff(period, export_folder(run.id))
    except Exception as exc:
        db.session.rollback()
        runs.fail(run, f"{type(exc).__name__}: {exc}")
        raise
    runs.finish(run, {"files": files})
