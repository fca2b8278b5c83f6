"""The period's tag list, kept by the staff who run the period."""

from sqlalchemy import func, select

from app.core.audit import record_audit
from app.core.text import normalize
from app.extensions import db
from app.moderation.models import Tag, opinion_tags
from app.moderation.services.common import ModerationError, ensure_results_unpublished
from app.periods.models import CommentPeriod

MAX_TAG = 50


def can_manage_tags(period: CommentPeriod, user) -> bool:
    return period.can_edit(user)


def _clean_name(period: CommentPeriod, name: str | None, tag: Tag | None = None) -> str:
    name = normalize(name or "")
    if not name:
        raise ModerationError("tag_name_required")
    if len(name) > MAX_TAG:
        raise ModerationError("tag_name_too_long", max=MAX_TAG)
    clash = db.session.scalar(
        select(Tag.id).where(Tag.period_id == period.id, func.lower(Tag.name) == name.lower(),
                             Tag.id != (tag.id if tag else -1))
    )
    if clash is not None:
        raise ModerationError("tag_exists")
    return name


def _check(period: CommentPeriod, actor) -> None:
    if not can_manage_tags(period, actor):
        raise ModerationError("forbidden")
    ensure_results_unpublished(period)


def create_tag(period: CommentPeriod, actor, name: str) -> Tag:
    _check(period, actor)
    tag = Tag(period_id=period.id, name=_clean_name(period, name))
    db.session.add(tag)
    db.session.flush()
    record_audit("tag.create", tag, actor=actor, details={"period_id": period.id, "name": tag.name})
    return tag


def rename_tag(tag: Tag, actor, name: str) -> Tag:
    period = db.session.get(CommentPeriod, tag.period_id)
    _check(period, actor)
    name = _clean_name(period, name, tag)
    if name != tag.name:
        old, tag.name = tag.name, name
        db.session.flush()
        record_audit("tag.rename", tag, actor=actor, details={"from": old, "to": name})
    return tag


def delete_tag(tag: Tag, actor) -> int:
    """Remove a tag from the list and from the opinions that carry it; returns how many carried it."""
    period = db.session.get(CommentPeriod, tag.period_id)
    _check(period, actor)
    used = tag_usage([tag.id]).get(tag.id, 0)
    record_audit("tag.delete", tag, actor=actor, details={"name": tag.name, "opinions": used})
    db.session.delete(tag)
    db.session.flush()
    return used


def tag_usage(tag_ids) -> dict[int, int]:
    rows = db.session.execute(
        select(opinion_tags.c.tag_id, func.count()).where(opinion_tags.c.tag_id.in_(list(tag_ids)))
        .group_by(opinion_tags.c.tag_id)
    ).all()
    return {tag_id: n for tag_id, n in rows}
