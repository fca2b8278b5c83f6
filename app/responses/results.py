"""The published result of a comment period (結果公表): the check before it, the act, and errata.

The model of Japan's Administrative Procedure Act (Arts. 39–45) asks for the title, the date the
draft was published, the period, the opinions received (or that there were none) and how each was
considered; a summary may stand in for the full text only if the full text can be read on request.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.core.audit import record_audit
from app.core.runs import run_subject, start_run
from app.core.signals import result_published
from app.core.timeutil import to_jst, utcnow
from app.extensions import db
from app.moderation import counting
from app.periods.models import CommentPeriod
from app.responses.messages import problem_message
from app.responses.models import Erratum, Result
from app.responses.services import ResponseError
from app.responses.tasks import export_result, export_staff, notify_submitter_outcome
from app.submissions.models import Submission

TITLE_MAX = 200
NOTE_MAX = 2000
INTRO_MAX = 20000
EXPORT_KIND = "result_export"
STAFF_EXPORT_KIND = "result_staff_export"


@dataclass(frozen=True)
class Problem:
    """One thing that stops publication; ``count`` says how many rows it concerns."""

    code: str
    count: int = 0


class PublicationRefused(ResponseError):
    """Publication refused: each problem is its own message, so staff see everything left to do."""

    def __init__(self, problems: list[Problem]):
        super().__init__("not_ready")
        self.problems = problems

    @property
    def messages(self) -> list[str]:
        return [problem_message(problem) for problem in self.problems]


def result_for(period: CommentPeriod) -> Result | None:
    return db.session.scalar(select(Result).where(Result.period_id == period.id))


def get_or_create_result(period: CommentPeriod) -> Result:
    result = result_for(period)
    if result is None:
        result = Result(period_id=period.id, title="", full_text_note="", introduction="", counts={})
        db.session.add(result)
        db.session.flush()
    return result


def update_result(period: CommentPeriod, *, title: str, draft_published_on: date | None, full_text_note: str,
                  introduction: str, actor) -> Result:
    """The words around the table. Once published, only an erratum changes what readers see."""
    if period.results_published_at is not None:
        raise ResponseError("result_published")
    title, full_text_note = title.strip(), full_text_note.strip()
    if len(title) > TITLE_MAX or len(full_text_note) > NOTE_MAX or len(introduction) > INTRO_MAX:
        raise ResponseError("too_long")
    if draft_published_on is not None and draft_published_on > to_jst(period.closes_at).date():
        raise ResponseError("draft_date_after_close")
    result = get_or_create_result(period)
    result.title = title
    result.draft_published_on = draft_published_on
    result.full_text_note = full_text_note
    result.introduction = introduction.strip()
    db.session.flush()
    record_audit("result.update", result, actor=actor, details={"period": period.id})
    return result


def compute_counts(period: CommentPeriod) -> dict:
    """提出者数 and 意見件数 (``app.moderation.counting``), in total, by channel and by attribute, and
    the withheld by reason.

    Codes only: labels are applied where the numbers are shown. No name or text is kept here.
    """
    by_state = counting.opinions(period.id, by="state")
    withheld = counting.withheld_by_reason(period.id)
    return {
        "submitters": counting.submitters(period.id),
        "opinions": sum(by_state.values()),
        "published": by_state.get("accepted", 0),
        "withheld": sum(withheld.values()),
        "withheld_by_reason": withheld,
        "by_channel": _both(counting.submitters(period.id, by="channel"), counting.opinions(period.id, by="channel")),
        "by_attribute": _both(counting.submitters(period.id, by="attribute"),
                              counting.opinions(period.id, by="attribute")),
    }


def _both(submitters: dict, opinions: dict) -> dict[str, dict[str, int]]:
    return {key: {"submitters": submitters.get(key, 0), "opinions": opinions.get(key, 0)}
            for key in [*submitters, *(key for key in opinions if key not in submitters)]}


def _locked_period(period: CommentPeriod) -> CommentPeriod:
    return db.session.scalars(
        select(CommentPeriod).where(CommentPeriod.id == period.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def publish_result(period: CommentPeriod, *, actor) -> Result:
    """Publish once every check passes: snapshot the counts, tell each submitter who left an email,
    and build the exports. Refused, with nothing changed, while anything is missing."""
    if not period.can_edit(actor):
        raise ResponseError("not_allowed")
    from app.responses.checks import publication_problems  # checks reads this module's Problem

    period = _locked_period(period)
    problems = publication_problems(period)
    if problems:
        raise PublicationRefused(problems)
    result = get_or_create_result(period)
    now = utcnow()
    result.counts = compute_counts(period)
    result.published_at = now
    result.published_by_id = actor.id
    period.results_published_at = now
    db.session.flush()
    record_audit("result.publish", result, actor=actor, details={"period": period.id, "counts": result.counts})
    result_published.send(period)
    recipients = db.session.scalars(
        select(Submission.id).where(Submission.period_id == period.id, Submission.email != "").order_by(Submission.id)
    ).all()
    for submission_id in recipients:
        notify_submitter_outcome.delay(submission_id)
    request_exports(period, actor=actor)
    return result



def request_exports(period: CommentPeriod, *, actor):
    """Build the public files (CSV, XLSX, printable report, PDF) again, from what is published now."""
    if period.results_published_at is None:
        raise ResponseError("not_published")
    return start_run(EXPORT_KIND, export_result, **run_subject(period), actor=actor)


def request_staff_export(period: CommentPeriod, *, actor):
    """The internal list with submitter details. Only the plan's department may ask; each ask is logged."""
    if not period.can_edit(actor):
        raise ResponseError("not_allowed")
    run = start_run(STAFF_EXPORT_KIND, export_staff, **run_subject(period), actor=actor)
    record_audit("result.staff_export", period, actor=actor, details={"run": run.id})
    return run


def add_erratum(period: CommentPeriod, *, location: str, before: str, after: str, reason: str, actor) -> Erratum:
    """A published result is corrected only in the open: the correction is logged and shown on the page."""
    if not period.can_edit(actor):
        raise ResponseError("not_allowed")
    result = result_for(period)
    if result is None or result.published_at is None:
        raise ResponseError("not_published")
    location, before, after, reason = location.strip(), before.strip(), after.strip(), reason.strip()
    if not reason:
        raise ResponseError("reason_required")
    if not after:
        raise ResponseError("after_required")
    if len(location) > 200 or max(len(before), len(after), len(reason)) > NOTE_MAX:
        raise ResponseError("too_long")
    erratum = Erratum(location=location, before=before, after=after, reason=reason, created_by_id=actor.id)
    result.errata.append(erratum)
    db.session.flush()
    record_audit("result.erratum", result, actor=actor, reason=reason,
                 details={"erratum": erratum.id, "location": location})
    request_exports(period, actor=actor)
    return erratum


def published_results(limit: int | None = None) -> list[tuple[Result, CommentPeriod]]:
    from app.plans.models import Plan

    query = (
        select(Result, CommentPeriod)
        .join(CommentPeriod, CommentPeriod.id == Result.period_id)
        .join(Plan, Plan.id == CommentPeriod.plan_id)
        .where(Result.published_at.is_not(None), Plan.status == "published",
               CommentPeriod.status.not_in(("draft", "withdrawn")))
        .order_by(Result.published_at.desc())
    )
    if limit:
        query = query.limit(limit)
    return [(row[0], row[1]) for row in db.session.execute(query)]


def is_public(period: CommentPeriod) -> bool:
    return period.state() == "published" and period.plan.is_published
