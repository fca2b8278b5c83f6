"""Jobs of results: the export files, and the email that tells a submitter the result is out.

Each takes ids, reloads what it needs and can run twice: files are written again in the run's own
folder, and an email job is sent at most once (``send_email`` keys on the job).
"""

from flask import current_app, url_for

from app.core import runs
from app.core.mail import send_email
from app.extensions import db
from app.periods.models import CommentPeriod
from app.submissions.models import Submission


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


def _external(endpoint: str, **values) -> str:
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)


def notify_result_published(submission_id: int) -> None:
    """Tell one submitter that the result is out: their receipt number and where to read it."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or not submission.email:
        return
    period = db.session.get(CommentPeriod, submission.period_id)
    if period.results_published_at is None:
        return
    send_email(submission.email, "responses/email/result_published.txt", "ja", {
        "receipt_no": submission.receipt_no,
        "period_title": period.title,
        "result_url": _external("results.show", period_id=period.id),
        "department": period.contact_department or period.plan.department,
    })
