"""Redaction: hiding spans of an opinion's public text, and keeping them right when the text changes.

The public text of an opinion is its summary (意見の概要), or its excerpt while no summary is written.
A redaction is a span of character offsets into one of those two fields. When a field is edited,
its redactions follow the words they hid: every occurrence of a hidden word in the new text is
hidden, and a redaction whose words are gone from the text is dropped (recorded in the audit log).
Words hidden in the excerpt are hidden in the summary too, so a summary that repeats a private
person's name does not show it. Erring this way hides too much rather than too little.
"""

from app.core.audit import record_audit
from app.core.signals import opinion_text_changed
from app.extensions import db
from app.moderation.models import REDACTION_REASONS, Opinion, Redaction
from app.moderation.services.common import ModerationError, check_can_work, clean_reason, guard_opinion

MARK = "■■■"
MAX_PHRASE = 200


def source_field(opinion: Opinion) -> str:
    return "summary" if opinion.summary.strip() else "excerpt"


def source_text(opinion: Opinion) -> str:
    return opinion.summary if source_field(opinion) == "summary" else opinion.excerpt


def public_text(opinion: Opinion) -> str:
    """What the public may read: the summary (or the excerpt), each redacted span replaced by ■■■."""
    text = source_text(opinion)
    field = source_field(opinion)
    pieces, position = [], 0
    for start, end in sorted((r.start, r.end) for r in opinion.redactions if r.field == field):
        if end <= position:
            continue
        pieces.append(text[position:max(start, position)])
        pieces.append(MARK)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _overlaps(start: int, end: int, spans) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _check_reason(reason: str, note: str) -> str:
    if reason not in REDACTION_REASONS:
        raise ModerationError("redaction_reason_required")
    return clean_reason(note, required=reason == "other", code="note_required")


def add_redaction(opinion: Opinion, actor, *, start: int, end: int, reason: str, note: str = "") -> Redaction:
    """Hide ``text[start:end]`` of the public text. Spans must lie inside it and not overlap."""
    check_can_work(opinion.submission, actor)
    note = _check_reason(reason, note)
    text, field = source_text(opinion), source_field(opinion)
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        raise ModerationError("span_out_of_range", length=len(text))
    if _overlaps(start, end, [(r.start, r.end) for r in opinion.redactions if r.field == field]):
        raise ModerationError("span_overlaps")
    guard_opinion(opinion, actor)
    redaction = Redaction(field=field, start=start, end=end, reason=reason, note=note, created_by_id=actor.id)
    opinion.redactions.append(redaction)
    db.session.flush()
    record_audit("opinion.redact", opinion, actor=actor, reason=note or reason,
                 details={"redaction_id": redaction.id, "field": field, "start": start, "end": end,
                          "reason_code": reason})
    opinion_text_changed.send(opinion, actor=actor)
    return redaction


def redact_phrase(opinion: Opinion, actor, *, phrase: str, reason: str, note: str = "") -> list[Redaction]:
    """Hide every occurrence of ``phrase`` in the public text (how a person picks a span without a mouse)."""
    check_can_work(opinion.submission, actor)
    phrase = (phrase or "").strip()
    if not phrase:
        raise ModerationError("phrase_required")
    if len(phrase) > MAX_PHRASE:
        raise ModerationError("phrase_too_long", max=MAX_PHRASE)
    text, field = source_text(opinion), source_field(opinion)
    taken = [(r.start, r.end) for r in opinion.redactions if r.field == field]
    spans = [(start, start + len(phrase)) for start in _occurrences(text, phrase)]
    if not spans:
        raise ModerationError("phrase_not_found")
    free = [span for span in spans if not _overlaps(*span, taken)]
    if not free:
        raise ModerationError("span_overlaps")
    _check_reason(reason, note)
    added = []
    for start, end in free:
        added.append(add_redaction(opinion, actor, start=start, end=end, reason=reason, note=note))
    return added


def remove_redaction(redaction: Redaction, actor, reason: str = "") -> None:
    opinion = redaction.opinion
    check_can_work(opinion.submission, actor)
    reason = clean_reason(reason, required=True)
    guard_opinion(opinion, actor)
    details = {"redaction_id": redaction.id, "field": redaction.field, "start": redaction.start,
               "end": redaction.end, "reason_code": redaction.reason}
    opinion.redactions.remove(redaction)
    db.session.flush()
    record_audit("opinion.unredact", opinion, actor=actor, reason=reason, details=details)
    opinion_text_changed.send(opinion, actor=actor)


def _occurrences(text: str, word: str) -> list[int]:
    found, start = [], text.find(word)
    while start != -1 and word:
        found.append(start)
        start = text.find(word, start + len(word))
    return found


def _targets(text: str, words: dict[str, Redaction]) -> list[tuple[int, int, str]]:
    """Every occurrence of every hidden word, longest words first, never overlapping."""
    chosen: list[tuple[int, int, str]] = []
    for word in sorted(words, key=len, reverse=True):
        for start in _occurrences(text, word):
            end = start + len(word)
            if not _overlaps(start, end, [(s, e) for s, e, _ in chosen]):
                chosen.append((start, end, word))
    return sorted(chosen)


def reanchor_redactions(opinion: Opinion, old: dict[str, str], actor) -> dict[str, int]:
    """After ``summary`` or ``excerpt`` changed (``old`` holds their previous texts), move each
    field's redactions onto the new text by the words they hid. Returns counts kept/added/dropped."""
    words: dict[str, dict[str, Redaction]] = {"summary": {}, "excerpt": {}}
    for redaction in opinion.redactions:
        word = old[redaction.field][redaction.start:redaction.end]
        if word:
            words[redaction.field].setdefault(word, redaction)
    words["summary"] = {**words["excerpt"], **words["summary"]}
    counts = {"kept": 0, "added": 0, "dropped": 0}
    for field in ("summary", "excerpt"):
        new_text = getattr(opinion, field)
        if new_text == old[field] and field == "excerpt":
            continue
        rows = [r for r in opinion.redactions if r.field == field]
        targets = _targets(new_text, words[field])
        exact = {(r.start, r.end): r for r in rows if old[field][r.start:r.end] == new_text[r.start:r.end]}
        spare = [r for r in rows if (r.start, r.end) not in exact]
        for start, end, word in targets:
            if (start, end) in exact and new_text[start:end] == word:
                exact.pop((start, end))
                counts["kept"] += 1
                continue
            row = next((r for r in spare if old[field][r.start:r.end] == word), None)
            if row is not None:
                spare.remove(row)
                row.start, row.end = start, end
                counts["kept"] += 1
                continue
            template = words[field][word]
            opinion.redactions.append(Redaction(field=field, start=start, end=end, reason=template.reason,
                                                note=template.note, created_by_id=actor.id))
            counts["added"] += 1
        for row in [*exact.values(), *spare]:
            opinion.redactions.remove(row)
            counts["dropped"] += 1
    db.session.flush()
    if counts["added"] or counts["dropped"]:
        record_audit("opinion.redactions_moved", opinion, actor=actor, details=counts)
    return counts

