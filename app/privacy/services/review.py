"""Reviewing a finding: hide it (the existing redaction, or ■■■ in an answer) or say it is not personal
with a note. Both audited; the audit log never holds the found words. Functions flush; the view commits."""

from sqlalchemy import delete, or_, select

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.services.common import MAX_REASON, check_can_work
from app.moderation.services.redaction import MARK, add_redaction
from app.periods.models import CommentPeriod
from app.privacy.labels import error_message
from app.privacy.models import PersonalFinding, TextScreening
from app.privacy.services.screening import findings_of, hidden_spans, screen_opinion
from app.responses.models import Response
from app.responses.services import ResponseError, response_target, save_response

# The existing redaction reasons (app.moderation.models.REDACTION_REASONS) a finding's kind maps to.
REDACTION_REASON = {"name": "private_person"}
DEFAULT_REDACTION_REASON = "contact"


class PrivacyError(DomainError, ValueError):
    """A review rule was broken; ``code`` names which."""

    def __init__(self, code: str, **params):
        super().__init__(code, **params)

    def describe(self) -> str:
        return error_message(self)


def _opinion_of(finding: PersonalFinding) -> Opinion | None:
    screening = finding.screening
    return db.session.get(Opinion, screening.opinion_id) if screening.opinion_id else None


def _response_of(finding: PersonalFinding) -> Response | None:
    screening = finding.screening
    return db.session.get(Response, screening.response_id) if screening.response_id else None


def _check(finding: PersonalFinding, actor) -> None:
    """Only its reviewers act on a finding, on the text it was found in, before the result is out."""
    if not finding.can_review(actor):
        raise PrivacyError("forbidden")
    period = db.session.get(CommentPeriod, finding.screening.period_id)
    if period.results_published_at is not None:
        raise PrivacyError("published")
    if finding.state != "unreviewed":
        raise PrivacyError("already_reviewed")
    opinion, response = _opinion_of(finding), _response_of(finding)
    current = findings_of(opinion=opinion, response=response)
    if current is None or finding not in current:
        raise PrivacyError("outdated")
    if opinion is not None:
        check_can_work(opinion.submission, actor)


def _audit_details(finding: PersonalFinding) -> dict:
    """Where and what kind, never the words: the audit log is kept for good, the words are not."""
    screening = finding.screening
    return {"finding_id": finding.id, "kind": finding.kind, "start": finding.start, "end": finding.end,
            "opinion_id": screening.opinion_id, "response_id": screening.response_id}


def redact_finding(finding: PersonalFinding, actor) -> PersonalFinding:
    """Hide a finding from the public text in one step. In an opinion this is the moderators'
    redaction, with the reason its kind calls for; in an answer the words are replaced by ■■■ in the
    draft, which goes back to draft for approval (approval covers only the text that was seen)."""
    _check(finding, actor)
    details = _audit_details(finding)
    opinion = _opinion_of(finding)
    if opinion is not None:
        field = finding.screening.field
        taken = hidden_spans(opinion, field)
        reason = REDACTION_REASON.get(finding.kind, DEFAULT_REDACTION_REASON)
        for start, end in _uncovered(finding.start, finding.end, taken):
            add_redaction(opinion, actor, start=start, end=end, reason=reason)
        screen_opinion(opinion, actor)
        record_audit("privacy.redact", opinion, actor=actor, reason=reason, details={**details, "reason_code": reason})
        return finding
    response = _response_of(finding)
    period = db.session.get(CommentPeriod, response.period_id)
    body = response.body[:finding.start] + MARK + response.body[finding.end:]
    try:
        save_response(period, response_target(response), body=body, category=response.category, actor=actor)
    except ResponseError as error:
        raise PrivacyError("answer_refused") from error
    record_audit("privacy.redact", response, actor=actor, details=details)
    return finding


def _uncovered(start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) no existing redaction hides."""
    parts, position = [], start
    for span_start, span_end in spans:
        if span_end <= position or span_start >= end:
            continue
        if span_start > position:
            parts.append((position, span_start))
        position = max(position, span_end)
    if position < end:
        parts.append((position, end))
    return parts


def clear_finding(finding: PersonalFinding, actor, note: str) -> PersonalFinding:
    """Say a finding is not personal data (a public office, a place, an organisation), with a note
    that says why. The words stay in the public text."""
    note = (note or "").strip()
    if not note:
        raise PrivacyError("note_required")
    if len(note) > MAX_REASON:
        raise PrivacyError("note_too_long", max=MAX_REASON)
    _check(finding, actor)
    finding.state, finding.note = "not_personal", note
    finding.reviewed_by_id, finding.reviewed_at = actor.id, utcnow()
    db.session.flush()
    target = _opinion_of(finding) or _response_of(finding)
    record_audit("privacy.not_personal", target, actor=actor, reason=note, details=_audit_details(finding))
    return finding


# --- retention (app.core.retention) ---


def purge_findings(cutoff) -> tuple[str, int]:
    """The found words are personal data: they go with the submitters' details, once the period's
    result has been published that long (or it was withdrawn and closed that long ago)."""
    periods = select(CommentPeriod.id).where(or_(
        CommentPeriod.results_published_at < cutoff,
        (CommentPeriod.status == "withdrawn") & (CommentPeriod.closes_at < cutoff)))
    screenings = select(TextScreening.id).where(TextScreening.period_id.in_(periods))
    deleted = db.session.execute(
        delete(PersonalFinding).where(PersonalFinding.screening_id.in_(screenings))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(delete(TextScreening).where(TextScreening.period_id.in_(periods))
                       .execution_options(synchronize_session=False))
    return "personal data findings", deleted
