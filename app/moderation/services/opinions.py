"""Opinions (意見): splitting a submission, summarising, tagging, and deciding on each one."""

from sqlalchemy import func, select

from app.core.audit import record_audit
from app.core.signals import opinion_text_changed
from app.core.text import normalize
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import WITHHOLD_REASONS, Opinion, Tag
from app.moderation.services.common import (
    MAX_EXCERPT,
    MAX_SUMMARY,
    ModerationError,
    check_can_work,
    clean_reason,
    guard_opinion,
    has_approved_response,
    has_own_response,
    take_submission,
)
from app.moderation.services.redaction import reanchor_redactions
from app.periods.models import Section
from app.submissions.models import Submission, SubmissionEntry

DECISIONS = ("accepted", "withheld")


def _contains(body: str, excerpt: str) -> bool:
    """Excerpts are compared after NFKC and whitespace folding: a line break copied as a space still matches."""
    return normalize(excerpt) in normalize(body)


def _find_entry(submission: Submission, excerpt: str, entry_id: int | None) -> SubmissionEntry:
    if entry_id:
        entry = next((e for e in submission.entries if e.id == entry_id), None)
        if entry is None:
            raise ModerationError("entry_other_submission")
        if not _contains(entry.body, excerpt):
            raise ModerationError("excerpt_not_found")
        return entry
    entry = next((e for e in submission.entries if _contains(e.body, excerpt)), None)
    if entry is None:
        raise ModerationError("excerpt_not_found")
    return entry


def _clean_excerpt(excerpt: str | None) -> str:
    excerpt = (excerpt or "").strip()
    if not excerpt:
        raise ModerationError("excerpt_required")
    if len(excerpt) > MAX_EXCERPT:
        raise ModerationError("excerpt_too_long", max=MAX_EXCERPT)
    return excerpt


def _clean_summary(summary: str | None) -> str:
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise ModerationError("summary_too_long", max=MAX_SUMMARY)
    return summary


def _section(period_id: int, section_id: int | None) -> Section | None:
    if not section_id:
        return None
    section = db.session.get(Section, section_id)
    if section is None or section.period_id != period_id:
        raise ModerationError("section_other_period")
    return section


def period_tags(period_id: int, tag_ids) -> list[Tag]:
    ids = {int(tag_id) for tag_id in tag_ids or ()}
    if not ids:
        return []
    tags = db.session.scalars(select(Tag).where(Tag.id.in_(ids))).all()
    if len(tags) != len(ids) or any(tag.period_id != period_id for tag in tags):
        raise ModerationError("tag_other_period")
    return sorted(tags, key=lambda tag: tag.name)


def create_opinion(submission: Submission, actor, *, excerpt: str, summary: str = "",
                   section_id: int | None = None, tag_ids=(), entry_id: int | None = None) -> Opinion:
    """Cut one opinion out of a submission. The excerpt must be words the submission holds."""
    check_can_work(submission, actor)
    if submission.state == "done":
        raise ModerationError("submission_done")
    excerpt = _clean_excerpt(excerpt)
    entry = _find_entry(submission, excerpt, entry_id)
    summary = _clean_summary(summary)
    section = _section(submission.period_id, section_id) if section_id else entry.section
    tags = period_tags(submission.period_id, tag_ids)
    submission = take_submission(submission, actor)
    position = db.session.scalar(
        select(func.coalesce(func.max(Opinion.position), 0)).where(Opinion.submission_id == submission.id)
    ) + 1
    opinion = Opinion(period_id=submission.period_id, submission=submission, entry=entry, position=position,
                      excerpt=excerpt, summary=summary, section=section, tags=tags, created_by_id=actor.id)
    db.session.add(opinion)
    db.session.flush()
    record_audit("opinion.create", opinion, actor=actor,
                 details={"submission_id": submission.id, "entry_id": entry.id,
                          "section_id": section.id if section else None, "tags": [t.name for t in tags]})
    opinion_text_changed.send(opinion, actor=actor)
    return opinion


def split_by_entries(submission: Submission, actor) -> list[Opinion]:
    """One opinion per entry the citizen wrote, for entries that have none yet."""
    check_can_work(submission, actor)  # before saying anything about the submission's opinions
    taken = set(db.session.scalars(select(Opinion.entry_id).where(Opinion.submission_id == submission.id)))
    entries = [entry for entry in submission.entries if entry.id not in taken and entry.body.strip()]
    if not entries:
        raise ModerationError("nothing_to_split")
    return [create_opinion(submission, actor, excerpt=entry.body, entry_id=entry.id) for entry in entries]


def update_opinion(opinion: Opinion, actor, *, excerpt: str, summary: str, section_id: int | None,
                   tag_ids=()) -> dict[str, int]:
    """Edit what a moderator wrote. Redactions follow the words they hid (see redaction.py).

    Returns the redaction counts so the page can say when some were moved or dropped.
    """
    check_can_work(opinion.submission, actor)
    excerpt = _clean_excerpt(excerpt)
    entry = _find_entry(opinion.submission, excerpt, opinion.entry_id) if excerpt != opinion.excerpt else None
    summary = _clean_summary(summary)
    section = _section(opinion.period_id, section_id)
    tags = period_tags(opinion.period_id, tag_ids)
    guard_opinion(opinion, actor)
    if entry is not None:
        opinion.entry = entry
    old = {"summary": opinion.summary, "excerpt": opinion.excerpt}
    changed = [name for name, new in (("excerpt", excerpt), ("summary", summary),
                                      ("section_id", section.id if section else None),
                                      ("tags", sorted(t.id for t in tags)))
               if new != (sorted(t.id for t in opinion.tags) if name == "tags" else getattr(opinion, name))]
    if not changed:
        return {"kept": len(opinion.redactions), "added": 0, "dropped": 0}
    opinion.excerpt, opinion.summary, opinion.section, opinion.tags = excerpt, summary, section, tags
    db.session.flush()
    record_audit("opinion.update", opinion, actor=actor, details={"fields": changed})
    if "excerpt" in changed or "summary" in changed:
        counts = reanchor_redactions(opinion, old, actor)
        opinion_text_changed.send(opinion, actor=actor)
        return counts
    return {"kept": len(opinion.redactions), "added": 0, "dropped": 0}


def add_tag(opinion: Opinion, tag: Tag, actor) -> bool:
    """Add one tag (bulk tagging). False when the opinion already had it."""
    check_can_work(opinion.submission, actor)
    period_tags(opinion.period_id, [tag.id])
    guard_opinion(opinion, actor)
    if tag in opinion.tags:
        return False
    opinion.tags.append(tag)
    db.session.flush()
    record_audit("opinion.tag", opinion, actor=actor, details={"tag": tag.name, "tag_id": tag.id})
    return True


def decide_opinion(opinion: Opinion, actor, *, decision: str, withhold_reason: str = "", note: str = "",
                   reason: str = "") -> Opinion:
    """Accept an opinion for answering, or withhold it from publication with a reason code.

    Changing a decision already made is a reversal when it is another moderator's decision or the
    submission is done: it needs a written reason, and a moderator cannot reverse their own
    decision on a done submission (a second person reviews it). The decider may still correct
    their own decision while the submission is in progress.
    """
    if decision not in DECISIONS:
        raise ModerationError("bad_decision")
    if decision == "withheld":
        if withhold_reason not in WITHHOLD_REASONS:
            raise ModerationError("withhold_reason_required")
        note = clean_reason(note, required=withhold_reason == "other", code="note_required")
    else:
        withhold_reason, note = "", ""
    submission = opinion.submission
    check_can_work(submission, actor)
    previous = opinion.state
    if (previous, opinion.withhold_reason, opinion.withhold_note) == (decision, withhold_reason, note):
        return opinion
    reversal = previous != "pending" and (opinion.decided_by_id != actor.id or submission.state == "done")
    if reversal:
        if opinion.decided_by_id == actor.id:
            raise ModerationError("own_decision")
        reason = clean_reason(reason, required=True, code="reversal_reason_required")
    else:
        reason = clean_reason(reason, required=False)
    if decision == "withheld" and opinion.group_id is not None:
        raise ModerationError("grouped")
    if previous == "accepted" and decision != "accepted" and has_approved_response(opinion=opinion):
        raise ModerationError("response_approved")
    if decision == "withheld" and has_own_response(opinion):
        raise ModerationError("has_response", receipt=opinion.submission.receipt_no, position=opinion.position,
                              text=(opinion.summary or opinion.excerpt)[:40])
    guard_opinion(opinion, actor)
    previous_decider = opinion.decided_by_id
    opinion.state = decision
    opinion.withhold_reason = withhold_reason
    opinion.withhold_note = note
    opinion.decided_by_id = actor.id
    opinion.decided_at = utcnow()
    db.session.flush()
    action = "opinion.reverse" if reversal else f"opinion.{'accept' if decision == 'accepted' else 'withhold'}"
    record_audit(action, opinion, actor=actor, reason=reason or note or withhold_reason,
                 details={"from": previous, "to": decision, "withhold_reason": withhold_reason, "note": note,
                          "previous_decider_id": previous_decider})
    if decision == "accepted":
        # Accepted is what gets published: an opinion made before screening existed is screened now.
        opinion_text_changed.send(opinion, actor=actor)
    return opinion


def delete_opinion(opinion: Opinion, actor, reason: str = "") -> None:
    """Undo a mis-split. Only an undecided opinion outside any group, on a submission in progress:
    decided opinions are kept and counted, whatever became of them."""
    check_can_work(opinion.submission, actor)
    if opinion.state != "pending" or opinion.group_id is not None or has_own_response(opinion):
        raise ModerationError("cannot_delete")
    if opinion.submission.state == "done":
        raise ModerationError("submission_done")
    reason = clean_reason(reason, required=False)
    guard_opinion(opinion, actor)
    record_audit("opinion.delete", opinion, actor=actor, reason=reason,
                 details={"submission_id": opinion.submission_id, "position": opinion.position})
    db.session.delete(opinion)
    db.session.flush()


def opinions_on_sections(section_ids: list[int]) -> int:
    """How many opinion items moderators tied to these sections (signals.section_in_use): a period's
    section an opinion points at is kept, whoever chose it."""
    return db.session.scalar(select(func.count()).select_from(Opinion).where(Opinion.section_id.in_(section_ids))) or 0
