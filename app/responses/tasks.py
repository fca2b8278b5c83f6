"""Jobs of results: the export files, and the email telling each submitter that the result is out,
with what became of their opinions.

Each takes ids, reloads what it needs and can run twice: files are written again in the run's own
folder, and the notice is sent at most once (``app.moderation.tasks.first_notice``).
"""

from collections import Counter

from flask_babel import force_locale
from sqlalchemy import select

from app.core import runs
from app.core.jobs import job
from app.core.mail import external_url, queue_email
from app.extensions import db
from app.moderation.labels import WITHHOLD_REASON_LABELS
from app.moderation.models import Opinion
from app.moderation.tasks import first_notice
from app.periods.models import CommentPeriod
from app.submissions.models import Submission

# The notice is in the city's language: it goes to everyone who gave an email, whatever page they used.
LOCALE = "ja"


@job("low")
def export_result(run_id: int) -> None:
    """The public files of a published result. Never anything a citizen did not see on the page."""
    from app.responses.exports import PUBLIC_FORMATS, export_folder, write_public

    run = runs.begin(run_id)
    if run is None:
        return
    period = db.session.get(CommentPeriod, run.subject_id)
    if period is None or period.results_published_at is None:
        runs.fail(run, "the result is not published")
        return
    order = list(PUBLIC_FORMATS)
    with runs.failing(run):
        # Each file streams the rows from the database: nothing holds the whole result.
        files = write_public(period, export_folder(run.id),
                             progress=lambda fmt: runs.progress(run, 10 + 80 * order.index(fmt) // len(order), fmt))
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
    with runs.failing(run):
        runs.progress(run, 20, "collecting")
        files = write_staff(period, export_folder(run.id))
    runs.finish(run, {"files": files})


@job("default")
def notify_submitter_outcome(submission_id: int) -> str:
    """Tell a submitter who gave an email, once the result is published, how many of their opinions
    were answered and, for each withheld one, the reason code."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or not submission.email:
        return "no recipient"
    period = db.session.get(CommentPeriod, submission.period_id)
    if period.results_published_at is None:
        return "not published"
    if not first_notice("outcome", str(submission.id)):
        return "already sent"
    opinions = db.session.scalars(select(Opinion).where(Opinion.submission_id == submission.id)).all()
    withheld = Counter(opinion.withhold_reason for opinion in opinions if opinion.state == "withheld")
    with force_locale(LOCALE):
        reasons = [[str(WITHHOLD_REASON_LABELS.get(code, code)), n] for code, n in sorted(withheld.items())]
    queue_email(submission.email, "moderation/email/outcome.txt", LOCALE, receipt_no=submission.receipt_no,
                period_title=period.title, total=len(opinions),
                answered=sum(1 for opinion in opinions if opinion.state == "accepted"),
                withheld=reasons, result_url=external_url("results.show", period_id=period.id),
                department=period.contact_department or period.plan.department)
    return "queued"
