"""Acting on a selection of opinions at once: every item is checked and logged as if done alone."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.ids import MAX_ID
from app.extensions import db
from app.moderation.models import Opinion, Tag
from app.moderation.services.common import ModerationError, ensure_moderator
from app.moderation.services.groups import group_opinions
from app.moderation.services.opinions import add_tag, decide_opinion
from app.periods.models import CommentPeriod

BULK_ACTIONS = ("tag", "accept", "withhold", "group")
MAX_SELECTION = 500


def bulk_apply(period: CommentPeriod, opinion_ids, action: str, actor, *, tag_id: int | None = None,
               withhold_reason: str = "", note: str = "", reason: str = "", title: str = "") -> int:
    """All or nothing: when one item is refused, the savepoint is rolled back and the error names it.

    Returns how many opinions changed.
    """
    ensure_moderator(actor, period)
    if action not in BULK_ACTIONS:
        raise ModerationError("bad_action")
    ids = {int(opinion_id) for opinion_id in opinion_ids or ()}
    if not ids:
        raise ModerationError("selection_empty")
    if len(ids) > MAX_SELECTION:
        raise ModerationError("selection_too_large", max=MAX_SELECTION)
    if any(not 0 < opinion_id <= MAX_ID for opinion_id in ids):
        raise ModerationError("mixed_periods")  # no opinion of this period has such an id
    opinions = db.session.scalars(
        select(Opinion).where(Opinion.id.in_(ids)).options(selectinload(Opinion.submission), selectinload(Opinion.tags))
        .order_by(Opinion.id)
    ).all()
    if len(opinions) != len(ids) or any(opinion.period_id != period.id for opinion in opinions):
        raise ModerationError("mixed_periods")
    with db.session.begin_nested():
        if action == "group":
            group_opinions(opinions, actor, title=title)
            return len(opinions)
        if action == "tag":
            tag = db.session.get(Tag, tag_id) if tag_id else None
            if tag is None:
                raise ModerationError("tag_required")
            return sum(_item(opinion, add_tag, opinion, tag, actor) for opinion in opinions)
        decision = "accepted" if action == "accept" else "withheld"
        changed = 0
        for opinion in opinions:
            before = (opinion.state, opinion.withhold_reason)
            _item(opinion, decide_opinion, opinion, actor, decision=decision, withhold_reason=withhold_reason,
                  note=note, reason=reason)
            changed += before != (opinion.state, opinion.withhold_reason)
        return changed


def _item(opinion: Opinion, service, *args, **kwargs):
    """Run one item's service; a refusal names the opinion it stopped at."""
    try:
        return service(*args, **kwargs)
    except ModerationError as error:
        error.params.setdefault("opinion", opinion.id)
        raise
