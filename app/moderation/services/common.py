"""Rules every moderation service shares: who may act, on what, and when."""

from sqlalchemy import select

from app.core import signals
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.labels import ERROR_FIELDS, error_message
from app.moderation.models import Opinion, OpinionGroup
from app.periods.models import CommentPeriod
from app.submissions.models import Submission

MAX_SUMMARY = 4000
MAX_EXCERPT = 10000
MAX_REASON = 1000


class ModerationError(DomainError, ValueError):
    """A moderation rule was broken; ``code`` names which, ``params`` fill the message."""

    def __init__(self, code: str, **params):
        super().__init__(code, ERROR_FIELDS.get(code), **params)

    def describe(self) -> str:
        return error_message(self)


def ensure_moderator(actor, period: CommentPeriod) -> None:
    """The period's moderators (its department's) and admins; a moderator of another department
    is refused as anyone else is."""
    if not period.can_moderate(actor):
        raise ModerationError("forbidden")


def group_period(group: OpinionGroup) -> CommentPeriod:
    return db.session.get(CommentPeriod, group.period_id)


def ensure_results_unpublished(period: CommentPeriod) -> None:
    """Once the result is out, what it says about each opinion stays as published."""
    if period.results_published_at is not None:
        raise ModerationError("published")


def clean_reason(text: str | None, *, required: bool, code: str = "reason_required") -> str:
    text = (text or "").strip()
    if required and not text:
        raise ModerationError(code)
    if len(text) > MAX_REASON:
        raise ModerationError("reason_too_long", max=MAX_REASON)
    return text


def lock_submission(submission: Submission) -> Submission:
    """Re-read the row under a lock, so a claim made meanwhile by someone else is seen."""
    return db.session.scalars(
        select(Submission).where(Submission.id == submission.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def ensure_not_claimed_by_other(submission: Submission, actor) -> None:
    if submission.claimed_by_id is not None and submission.claimed_by_id != actor.id:
        raise ModerationError("claimed_by_other", name=claimant_label(submission))


def claimant_label(submission: Submission) -> str:
    from app.accounts.models import User

    user = db.session.get(User, submission.claimed_by_id) if submission.claimed_by_id else None
    return user.label if user is not None else ""


def check_can_work(submission: Submission, actor) -> None:
    """The checks of ``take_submission`` without taking it: for a clear refusal before other checks."""
    ensure_moderator(actor, submission.period)
    ensure_results_unpublished(submission.period)
    ensure_not_claimed_by_other(submission, actor)


def take_submission(submission: Submission, actor) -> Submission:
    """Work on a submission: refused while another moderator holds it; an unclaimed submission that
    is not done becomes the actor's, so that nobody else starts on it.

    Services call it after their own checks and right before they change rows, so a refused
    action claims nothing.
    """
    check_can_work(submission, actor)
    submission = lock_submission(submission)
    ensure_not_claimed_by_other(submission, actor)
    if submission.state != "done" and submission.claimed_by_id is None:
        submission.claimed_by_id = actor.id
        submission.claimed_at = utcnow()
        submission.state = "in_progress"
        db.session.flush()
        record_audit("submission.claim", submission, actor=actor, details={"implicit": True})
    return submission


def guard_opinion(opinion: Opinion, actor) -> None:
    """Changing an opinion is working on its submission."""
    take_submission(opinion.submission, actor)


def _answered(target: Opinion | OpinionGroup, *, approved: bool) -> bool:
    """Answers are the responses feature's: it says through the signal whether one holds ``target``."""
    return any(found for _receiver, found in signals.answer_exists.send(target, approved=approved))


def has_approved_response(*, opinion: Opinion | None = None, group: OpinionGroup | None = None) -> bool:
    """An approved answer fixes the opinion's decision and grouping (its group's answer counts too)."""
    target = opinion if opinion is not None else group
    return target is not None and _answered(target, approved=True)


def has_own_response(opinion: Opinion) -> bool:
    return _answered(opinion, approved=False)
