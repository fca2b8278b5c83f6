"""Screening: finding personal data in a text to be published, and keeping the findings right as the
text and its redactions change. Functions flush; the caller commits."""

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.services.redaction import source_field, source_text
from app.periods.models import CommentPeriod
from app.privacy.detect import Known, find_personal_data
from app.privacy.models import PersonalFinding, TextScreening
from app.responses.models import Response
from app.submissions.models import Submission


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submitter_known(submission: Submission | None) -> Known | None:
    """The submitter's own details, so that they are found wherever they recur in the text."""
    if submission is None:
        return None
    return Known(name=submission.name, address=submission.address, phone=submission.phone, email=submission.email)


def answered_submission(response: Response) -> Submission | None:
    """An answer to one opinion is screened for that submitter's details; a group's answer (many
    submitters, often hundreds) only by the patterns."""
    if response.opinion_id is None:
        return None
    opinion = db.session.get(Opinion, response.opinion_id)
    return opinion.submission if opinion is not None else None


def hidden_spans(opinion: Opinion, field: str) -> list[tuple[int, int]]:
    return sorted((r.start, r.end) for r in opinion.redactions if r.field == field)


def lies_inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether every character of [start, end) lies in one of the (possibly adjoining) spans."""
    position = start
    for span_start, span_end in spans:
        if span_start <= position < span_end:
            position = span_end
        if position >= end:
            return True
    return position >= end


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
        inside = lies_inside(row.start, row.end, hidden)
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
                    hidden=hidden_spans(opinion, field), actor_id=getattr(actor, "id", None))


def screen_response(response: Response, actor=None) -> TextScreening:
    """Screen the city's answer (again) after it was saved."""
    screening = _screening(response=response)
    if screening is None:
        screening = TextScreening(period_id=response.period_id, response_id=response.id, field="", text_sha256="")
        db.session.add(screening)
    return _refresh(screening, field="body", text=response.body, known=submitter_known(answered_submission(response)),
                    hidden=[], actor_id=getattr(actor, "id", None))


def on_opinion_changed(opinion: Opinion, actor=None) -> None:
    screen_opinion(opinion, actor)


def on_response_changed(response: Response, actor=None) -> None:
    screen_response(response, actor)


def is_fresh(screening: TextScreening | None, field: str, text: str) -> bool:
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
    return ([o for o in opinions if not is_fresh(by_opinion.get(o.id), source_field(o), source_text(o))],
            [r for r in responses if not is_fresh(by_response.get(r.id), "body", r.body)])


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


def findings_of(*, opinion: Opinion | None = None, response: Response | None = None) -> list[PersonalFinding] | None:
    """The findings of the text as it stands, or None when it changed since it was screened."""
    if opinion is None and response is None:
        return []
    screening = _screening(opinion=opinion, response=response)
    if opinion is not None:
        fresh = is_fresh(screening, source_field(opinion), source_text(opinion))
    else:
        fresh = is_fresh(screening, "body", response.body)
    return list(screening.findings) if fresh else None
