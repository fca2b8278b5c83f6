"""Screening the texts the city publishes for personal data, and reviewing what is found.

The rules kept here:
- Every text that is to be published is screened whenever it is made or changed: an opinion's
  public text (summary, or excerpt while it has none) and the city's answer. The citizen's send is
  not slowed down: a submission is screened when moderators cut opinions out of it.
- A finding stays "unreviewed" until a reviewer hides it (the redaction, with its reason) or says
  it is not personal (with a note). Both are audited; the audit log never holds the found text.
- Screening again after a change keeps every decision that still applies: a span still hidden
  stays redacted, and words once judged "not personal" stay so wherever they are in the new text.
- While an accepted opinion or approved answer holds an unreviewed finding, or changed since it
  was screened and holds personal data, the result cannot be published.
"""

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.services.common import MAX_REASON, check_can_work
from app.moderation.services.redaction import MARK, add_redaction, source_field, source_text
from app.periods.models import CommentPeriod
from app.privacy.detect import Known, find_personal_data
from app.privacy.models import PersonalFinding, TextScreening
from app.responses.models import Response
from app.responses.results import Problem
from app.responses.services import ResponseError, response_target, save_response
from app.submissions.models import Submission

# The existing redaction reasons (app.moderation.models.REDACTION_REASONS) a finding's kind maps to.
REDACTION_REASON = {"name": "private_person"}
DEFAULT_REDACTION_REASON = "contact"


class PrivacyError(ValueError):
    """A review rule was broken; ``code`` names which."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submitter_known(submission: Submission | None) -> Known | None:
    """The submitter's own details, so that they are found wherever they recur in the text."""
    if submission is None:
        return None
    return Known(name=submission.name, address=submission.address, phone=submission.phone, email=submission.email)


def _answered_submission(response: Response) -> Submission | None:
    """An answer to one opinion is screened for that submitter's details; a group's answer (many
    submitters, often hundreds) only by the patterns."""
    if response.opinion_id is None:
        return None
    opinion = db.session.get(Opinion, response.opinion_id)
    return opinion.submission if opinion is not None else None


def _hidden_spans(opinion: Opinion, field: str) -> list[tuple[int, int]]:
    return sorted((r.start, r.end) for r in opinion.redactions if r.field == field)


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether every character of [start, end) lies in one of the (possibly adjoining) spans."""
    position = start
    for span_start, span_end in spans:
        if span_start <= position < span_end:
            position = span_end
        if position >= end:
            return True
    return position >= end


# --- screening ---


def _screening(*, opinion: Opinion | None = None, response: Response | None = None) -> TextScreening | None:
    if opinion is not None:
        return db.session.scalar(select(TextScreening).where(TextScreening.opinion_id == opinion.id))
    return db.session.scalar(select(TextScreening).where(TextScreening.response_id == response.id))


def _replace_findings(screening: TextScreening, text: str, known: Known | None) -> None:
    """Screen the text anew. A finding of the same kind and words keeps its row (and its decision);
    words once judged not personal stay so; the rest start unreviewed."""
    old = list(screening.findings)
    pool: dict[tuple[str, str], list[PersonalFinding]] = {}
    for row in old:
        pool.setdefault((row.kind, row.text), []).append(row)
    cleared = {row.text: row for row in old if row.state == "not_personal"}
    kept = []
    for found in find_personal_data(text, known):
        rows = pool.get((found.kind, found.text))
        row = rows.pop(0) if rows else None
        if row is None:
            row = PersonalFinding(kind=found.kind, text=found.text, state="unreviewed", note="")
            decided = cleared.get(found.text)
            if decided is not None:
                row.state, row.note = "not_personal", decided.note
                row.reviewed_by_id, row.reviewed_at = decided.reviewed_by_id, decided.reviewed_at
            screening.findings.append(row)
        row.start, row.end, row.score, row.source = found.start, found.end, found.score, found.source
        kept.append(row)
    for row in old:
        if row not in kept:
            screening.findings.remove(row)


def _settle(screening: TextScreening, hidden: list[tuple[int, int]], actor_id: int | None) -> None:
    """A finding inside hidden spans is redacted; one no longer hidden goes back to unreviewed."""
    for row in screening.findings:
        inside = _inside(row.start, row.end, hidden)
        if inside and row.state != "redacted":
            row.state, row.note, row.reviewed_by_id, row.reviewed_at = "redacted", "", actor_id, utcnow()
        elif not inside and row.state == "redacted":
            row.state, row.note, row.reviewed_by_id, row.reviewed_at = "unreviewed", "", None, None


def _refresh(screening: TextScreening, *, field: str, text: str, known: Known | None,
             hidden: list[tuple[int, int]], actor_id: int | None) -> TextScreening:
    digest = text_hash(text)
    if screening.text_sha256 != digest or screening.field != field:
        _replace_findings(screening, text, known)
        screening.field, screening.text_sha256, screening.screened_at = field, digest, utcnow()
    _settle(screening, hidden, actor_id)
    db.session.flush()
    return screening


def screen_opinion(opinion: Opinion, actor=None) -> TextScreening:
    """Screen an opinion's public text (again); cheap when only its redactions changed."""
    screening = _screening(opinion=opinion)
    if screening is None:
        screening = TextScreening(period_id=opinion.period_id, opinion_id=opinion.id, field="", text_sha256="")
        db.session.add(screening)
    field = source_field(opinion)
    return _refresh(screening, field=field, text=source_text(opinion), known=submitter_known(opinion.submission),
                    hidden=_hidden_spans(opinion, field), actor_id=getattr(actor, "id", None))


def screen_response(response: Response, actor=None) -> TextScreening:
    """Screen the city's answer (again) after it was saved."""
    screening = _screening(response=response)
    if screening is None:
        screening = TextScreening(period_id=response.period_id, response_id=response.id, field="", text_sha256="")
        db.session.add(screening)
    return _refresh(screening, field="body", text=response.body, known=submitter_known(_answered_submission(response)),
                    hidden=[], actor_id=getattr(actor, "id", None))


def on_opinion_changed(opinion: Opinion, actor=None) -> None:
    screen_opinion(opinion, actor)


def on_response_changed(response: Response, actor=None) -> None:
    screen_response(response, actor)


def _fresh(screening: TextScreening | None, field: str, text: str) -> bool:
    return screening is not None and screening.field == field and screening.text_sha256 == text_hash(text)


def _period_texts(period: CommentPeriod):
    """Every text of the period that may be published: opinions not withheld, and every answer."""
    opinions = db.session.scalars(
        select(Opinion).where(Opinion.period_id == period.id, Opinion.state != "withheld")
        .options(selectinload(Opinion.redactions)).order_by(Opinion.id)
    ).all()
    responses = db.session.scalars(select(Response).where(Response.period_id == period.id)
                                   .order_by(Response.id)).all()
    return opinions, responses


def stale_texts(period: CommentPeriod) -> tuple[list[Opinion], list[Response]]:
    """Texts changed since they were screened, or never screened (made before screening existed,
    or by a path that did not screen)."""
    screenings = db.session.scalars(select(TextScreening).where(TextScreening.period_id == period.id)).all()
    by_opinion = {s.opinion_id: s for s in screenings if s.opinion_id}
    by_response = {s.response_id: s for s in screenings if s.response_id}
    opinions, responses = _period_texts(period)
    return ([o for o in opinions if not _fresh(by_opinion.get(o.id), source_field(o), source_text(o))],
            [r for r in responses if not _fresh(by_response.get(r.id), "body", r.body)])


def screen_period(period: CommentPeriod, actor=None) -> int:
    """Screen every stale text of a period (a button on the review page, and ``flask privacy screen``
    for texts written before screening existed). Returns how many texts were screened."""
    opinions, responses = stale_texts(period)
    for opinion in opinions:
        screen_opinion(opinion, actor)
    for response in responses:
        screen_response(response, actor)
    if opinions or responses:
        record_audit("privacy.screen", period, actor=actor,
                     details={"opinions": len(opinions), "answers": len(responses)})
    return len(opinions) + len(responses)


# --- reading ---


def findings_of(*, opinion: Opinion | None = None, response: Response | None = None) -> list[PersonalFinding] | None:
    """The findings of the text as it stands, or None when it changed since it was screened."""
    if opinion is None and response is None:
        return []
    screening = _screening(opinion=opinion, response=response)
    if opinion is not None:
        fresh = _fresh(screening, source_field(opinion), source_text(opinion))
    else:
        fresh = _fresh(screening, "body", response.body)
    return list(screening.findings) if fresh else None


@dataclass
class Piece:
    """A run of text, and the finding it is when it is one."""

    text: str
    finding: object = None


def highlight(text: str, findings) -> list[Piece]:
    """The text cut into plain runs and findings, for marking up on staff pages."""
    pieces, position = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < position or finding.end > len(text):
            continue
        if finding.start > position:
            pieces.append(Piece(text[position:finding.start]))
        pieces.append(Piece(text[finding.start:finding.end], finding))
        position = finding.end
    if position < len(text):
        pieces.append(Piece(text[position:]))
    return pieces


def entry_findings(submission: Submission) -> dict[int, list]:
    """What a submission's entries hold, found when a staff page shows it (nothing is stored: the
    entries are never published, and the citizen's send stays as cheap as it is)."""
    known = submitter_known(submission)
    return {entry.id: find_personal_data(entry.body, known) for entry in submission.entries}


def _unreviewed_counts(column, ids) -> dict[int, int]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(column, func.count()).select_from(PersonalFinding).join(TextScreening)
        .join(Opinion, Opinion.id == TextScreening.opinion_id)
        .where(column.in_(ids), PersonalFinding.state == "unreviewed").group_by(column)
    ).all())


def unreviewed_by_opinion(opinion_ids) -> dict[int, int]:
    return _unreviewed_counts(Opinion.id, list(opinion_ids))


def unreviewed_by_submission(submission_ids) -> dict[int, int]:
    """Unreviewed findings in the opinions cut out of each submission (the queue's column)."""
    return _unreviewed_counts(Opinion.submission_id, list(submission_ids))


@dataclass
class Blocking:
    unreviewed: int  # unreviewed findings in accepted opinions and approved answers
    unscreened: int  # accepted opinions and approved answers changed since screening that hold personal data


def blocking(period: CommentPeriod) -> Blocking:
    """What stops the period's result from being published, for the publication check. Reads only:
    a stale text is screened here in memory, and stored when someone screens it on the review page."""
    opinions = db.session.scalars(
        select(Opinion).where(Opinion.period_id == period.id, Opinion.state == "accepted")
        .options(selectinload(Opinion.redactions))
    ).all()
    responses = db.session.scalars(
        select(Response).where(Response.period_id == period.id, Response.state == "approved")).all()
    screenings = db.session.scalars(select(TextScreening).where(TextScreening.period_id == period.id)).all()
    by_opinion = {s.opinion_id: s for s in screenings if s.opinion_id}
    by_response = {s.response_id: s for s in screenings if s.response_id}
    counts = dict(db.session.execute(
        select(PersonalFinding.screening_id, func.count()).join(TextScreening)
        .where(TextScreening.period_id == period.id, PersonalFinding.state == "unreviewed")
        .group_by(PersonalFinding.screening_id)
    ).all())
    unreviewed = unscreened = 0
    for opinion in opinions:
        field, text = source_field(opinion), source_text(opinion)
        screening = by_opinion.get(opinion.id)
        if _fresh(screening, field, text):
            unreviewed += counts.get(screening.id, 0)
            continue
        hidden = _hidden_spans(opinion, field)
        found = find_personal_data(text, submitter_known(opinion.submission))
        unscreened += any(not _inside(f.start, f.end, hidden) for f in found)
    for response in responses:
        screening = by_response.get(response.id)
        if _fresh(screening, "body", response.body):
            unreviewed += counts.get(screening.id, 0)
        elif find_personal_data(response.body, submitter_known(_answered_submission(response))):
            unscreened += 1
    return Blocking(unreviewed, unscreened)


def publication_problems(period: CommentPeriod) -> list:
    """Connected to ``publication_check``: the problems personal data makes for publication."""
    state = blocking(period)
    problems = []
    if state.unreviewed:
        problems.append(Problem("personal_data_unreviewed", state.unreviewed))
    if state.unscreened:
        problems.append(Problem("personal_data_unscreened", state.unscreened))
    return problems


@dataclass
class ReviewItem:
    """One text of the period with its unreviewed findings, for the review list."""

    opinion: Opinion | None
    response: Response | None
    findings: list[PersonalFinding]


def review_items(period: CommentPeriod) -> list[ReviewItem]:
    """Unreviewed findings in every text of the period that may still be published."""
    rows = db.session.scalars(
        select(PersonalFinding).join(TextScreening)
        .where(TextScreening.period_id == period.id, PersonalFinding.state == "unreviewed")
        .options(selectinload(PersonalFinding.screening)).order_by(TextScreening.id, PersonalFinding.start)
    ).all()
    items: dict[int, ReviewItem] = {}
    for row in rows:
        screening = row.screening
        if screening.id not in items:
            opinion = db.session.get(Opinion, screening.opinion_id) if screening.opinion_id else None
            response = db.session.get(Response, screening.response_id) if screening.response_id else None
            if opinion is not None and opinion.state == "withheld":
                continue
            items[screening.id] = ReviewItem(opinion, response, [])
        items[screening.id].findings.append(row)
    return list(items.values())


# --- reviewing ---


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
        taken = _hidden_spans(opinion, field)
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


def purge_findings(cutoff) -> int:
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
    return deleted
