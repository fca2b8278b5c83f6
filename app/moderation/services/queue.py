"""The queue: claiming submissions, moving them from new to done, and listing them."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, case, exists, func, or_, select, update

from app.core.audit import record_audit
from app.core.timeutil import jst_start_of_day, utcnow
from app.extensions import db
from app.moderation.labels import OPEN_STATES
from app.moderation.models import SUBMISSION_STATES, Opinion, opinion_tags
from app.moderation.services.common import (
    ModerationError,
    claimant_label,
    clean_reason,
    ensure_moderator,
    ensure_results_unpublished,
    lock_submission,
    take_submission,
)
from app.moderation.services.search import matching_submissions
from app.periods.models import CommentPeriod
from app.submissions.models import Submission, SubmissionEntry


def claim_submission(submission: Submission, actor) -> Submission:
    """Mark a submission as the actor's work, so that two people do not work one submission.

    One conditional UPDATE does it: of two moderators claiming at once, exactly one wins.
    """
    ensure_moderator(actor, submission.period)
    ensure_results_unpublished(submission.period)
    if submission.state == "done":
        raise ModerationError("submission_done")
    if submission.claimed_by_id == actor.id:
        return submission
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id,
               or_(Submission.claimed_by_id.is_(None), Submission.claimed_by_id == actor.id))
        .values(claimed_by_id=actor.id, claimed_at=utcnow(),
                state=case((Submission.state == "new", "in_progress"), else_=Submission.state))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(submission)
    if result.rowcount != 1:
        raise ModerationError("claimed_by_other", name=claimant_label(submission))
    record_audit("submission.claim", submission, actor=actor)
    return submission


def release_submission(submission: Submission, actor, reason: str = "") -> Submission:
    """Give a claim back. Releasing another moderator's claim (someone away) needs a reason."""
    ensure_moderator(actor, submission.period)
    ensure_results_unpublished(submission.period)
    submission = lock_submission(submission)
    if submission.claimed_by_id is None:
        return submission
    other = submission.claimed_by_id != actor.id
    reason = clean_reason(reason, required=other)
    previous = submission.claimed_by_id
    submission.claimed_by_id = None
    submission.claimed_at = None
    if submission.state == "in_progress" and not _opinion_count(submission):
        submission.state = "new"
    db.session.flush()
    record_audit("submission.release", submission, actor=actor, reason=reason,
                 details={"claimed_by_id": previous, "forced": other})
    return submission


def complete_submission(submission: Submission, actor) -> Submission:
    """Done means split and decided: at least one opinion, none still pending. The claim ends."""
    submission = take_submission(submission, actor)
    if submission.state == "done":
        return submission
    states = dict(db.session.execute(
        select(Opinion.state, func.count()).where(Opinion.submission_id == submission.id).group_by(Opinion.state)
    ).all())
    if not states:
        raise ModerationError("no_opinions")
    if states.get("pending"):
        raise ModerationError("opinions_pending", n=states["pending"])
    submission.state = "done"
    submission.claimed_by_id = None
    submission.claimed_at = None
    db.session.flush()
    record_audit("submission.complete", submission, actor=actor, details={"opinions": states})
    return submission


def reopen_submission(submission: Submission, actor, reason: str) -> Submission:
    """Open a done submission again (to split it differently); the reason is recorded."""
    ensure_moderator(actor, submission.period)
    ensure_results_unpublished(submission.period)
    submission = lock_submission(submission)
    if submission.state != "done":
        raise ModerationError("not_done")
    reason = clean_reason(reason, required=True)
    submission.state = "in_progress"
    submission.claimed_by_id = actor.id
    submission.claimed_at = utcnow()
    db.session.flush()
    record_audit("submission.reopen", submission, actor=actor, reason=reason)
    return submission


def _opinion_count(submission: Submission) -> int:
    return db.session.scalar(select(func.count()).select_from(Opinion).where(Opinion.submission_id == submission.id))


@dataclass
class QueueFilters:
    period_id: int | None = None
    channel: str = ""
    state: str = ""  # "", open (new or in progress), or one of SUBMISSION_STATES
    section_id: int | None = None
    tag_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str = ""
    claim: str = ""  # "", mine, others, unclaimed


def queue_query(filters: QueueFilters, actor, *, with_state: bool = True) -> Select:
    """Submissions of the periods ``actor`` moderates matching the filters, oldest received first."""
    query = select(Submission).where(Submission.period_id.in_(
        select(CommentPeriod.id).where(CommentPeriod.moderated_by(actor))))
    if filters.period_id:
        query = query.where(Submission.period_id == filters.period_id)
    if filters.channel:
        query = query.where(Submission.channel == filters.channel)
    if with_state and filters.state in SUBMISSION_STATES:
        query = query.where(Submission.state == filters.state)
    elif with_state and filters.state == "open":
        query = query.where(Submission.state.in_(OPEN_STATES))
    if filters.section_id:
        query = query.where(or_(
            exists().where(SubmissionEntry.submission_id == Submission.id,
                           SubmissionEntry.section_id == filters.section_id),
            exists().where(Opinion.submission_id == Submission.id, Opinion.section_id == filters.section_id),
        ))
    if filters.tag_id:
        query = query.where(exists().where(
            Opinion.submission_id == Submission.id, opinion_tags.c.opinion_id == Opinion.id,
            opinion_tags.c.tag_id == filters.tag_id,
        ))
    if filters.received_from:
        query = query.where(Submission.received_at >= jst_start_of_day(filters.received_from))
    if filters.received_to:
        query = query.where(Submission.received_at < jst_start_of_day(filters.received_to + timedelta(days=1)))
    if filters.claim == "mine":
        query = query.where(Submission.claimed_by_id == actor.id)
    elif filters.claim == "others":
        query = query.where(Submission.claimed_by_id.is_not(None), Submission.claimed_by_id != actor.id)
    elif filters.claim == "unclaimed":
        query = query.where(Submission.claimed_by_id.is_(None))
    matches = matching_submissions(filters.q) if filters.q else None
    if matches is not None:
        query = query.where(Submission.id.in_(matches))
    return query.order_by(Submission.received_at, Submission.id)


def state_counts(filters: QueueFilters, actor) -> dict[str, int]:
    """How many submissions each state holds under the other filters."""
    base = queue_query(filters, actor, with_state=False).order_by(None).subquery()
    rows = db.session.execute(select(base.c.state, func.count()).group_by(base.c.state)).all()
    counts = dict.fromkeys(SUBMISSION_STATES, 0)
    counts.update({state: n for state, n in rows})
    counts["open"] = sum(counts[state] for state in OPEN_STATES)
    return counts


def queue_total(filters: QueueFilters, counts: dict[str, int]) -> int:
    """How many submissions ``queue_query`` gives, read from the ``state_counts`` of the same filters."""
    if filters.state in counts:
        return counts[filters.state]
    return sum(counts[state] for state in SUBMISSION_STATES)
