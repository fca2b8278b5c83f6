"""Groups of opinions that say the same thing, answered by one response (同様の意見 N件)."""

from app.core.audit import record_audit
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup
from app.moderation.services.common import (
    ModerationError,
    check_can_work,
    clean_reason,
    ensure_moderator,
    ensure_not_claimed_by_other,
    ensure_results_unpublished,
    group_period,
    has_approved_response,
    has_own_response,
    lock_submission,
)

MAX_TITLE = 200


def _clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if len(title) > MAX_TITLE:
        raise ModerationError("title_too_long", max=MAX_TITLE)
    return title


def _check_member(opinion: Opinion, actor) -> None:
    check_can_work(opinion.submission, actor)
    if opinion.state == "withheld":
        raise ModerationError("withheld_in_group", n=opinion.id)
    if has_own_response(opinion):
        # Name the opinion: a selection of twenty leaves the moderator guessing otherwise.
        raise ModerationError("has_response", receipt=opinion.submission.receipt_no, position=opinion.position,
                              text=(opinion.summary or opinion.excerpt)[:40])


def group_opinions(opinions: list[Opinion], actor, *, title: str = "",
                   group: OpinionGroup | None = None) -> OpinionGroup:
    """Put opinions of one period into one group: a new one, or the one group some of them are in.

    Opinions held by another moderator's claim, withheld opinions, opinions of two groups, and a
    group whose response is approved are refused.
    """
    opinions = list({opinion.id: opinion for opinion in opinions}.values())
    if not opinions:
        raise ModerationError("selection_empty")
    ensure_moderator(actor, opinions[0].submission.period)
    periods = {opinion.period_id for opinion in opinions} | ({group.period_id} if group else set())
    if len(periods) != 1:
        raise ModerationError("mixed_periods")
    ensure_results_unpublished(opinions[0].submission.period)
    for opinion in opinions:
        _check_member(opinion, actor)
    existing = {opinion.group_id for opinion in opinions if opinion.group_id} | ({group.id} if group else set())
    if len(existing) > 1:
        raise ModerationError("in_other_group")
    title = _clean_title(title)
    if existing:
        group = group or db.session.get(OpinionGroup, existing.pop())
        if has_approved_response(group=group):
            raise ModerationError("response_approved")
    elif len(opinions) < 2:
        raise ModerationError("group_needs_two")
    for opinion in opinions:
        ensure_not_claimed_by_other(lock_submission(opinion.submission), actor)
    if group is None:
        group = OpinionGroup(period_id=opinions[0].period_id, created_by_id=actor.id,
                             title=title or (opinions[0].summary or opinions[0].excerpt)[:MAX_TITLE])
        db.session.add(group)
        db.session.flush()
        record_audit("group.create", group, actor=actor, details={"title": group.title})
    elif title and title != group.title:
        group.title = title
    for opinion in opinions:
        if opinion.group_id == group.id:
            continue
        opinion.group = group
        db.session.flush()
        record_audit("opinion.group", opinion, actor=actor, details={"group_id": group.id})
    return group


def remove_from_group(opinion: Opinion, actor, reason: str = "") -> None:
    """Take an opinion out of its group; possible until the group's response is approved."""
    check_can_work(opinion.submission, actor)
    group = opinion.group
    if group is None:
        raise ModerationError("not_grouped")
    if has_approved_response(opinion=opinion):
        raise ModerationError("response_approved")
    reason = clean_reason(reason, required=False)
    ensure_not_claimed_by_other(lock_submission(opinion.submission), actor)
    opinion.group = None
    db.session.flush()
    record_audit("opinion.ungroup", opinion, actor=actor, reason=reason, details={"group_id": group.id})


def dissolve_group(group: OpinionGroup, actor, reason: str = "") -> None:
    """Ungroup every member. The group row stays (a draft response may point at it) but is empty."""
    ensure_moderator(actor, group_period(group))
    members = list(group.opinions)
    if members:
        ensure_results_unpublished(members[0].submission.period)
    if has_approved_response(group=group):
        raise ModerationError("response_approved")
    for opinion in members:
        check_can_work(opinion.submission, actor)
    reason = clean_reason(reason, required=False)
    for opinion in members:
        remove_from_group(opinion, actor, reason)
    record_audit("group.dissolve", group, actor=actor, reason=reason, details={"opinions": [o.id for o in members]})


def rename_group(group: OpinionGroup, actor, title: str) -> None:
    ensure_moderator(actor, group_period(group))
    title = _clean_title(title)
    if not title:
        raise ModerationError("title_required")
    if group.opinions:
        ensure_results_unpublished(group.opinions[0].submission.period)
    if title == group.title:
        return
    old = group.title
    group.title = title
    db.session.flush()
    record_audit("group.rename", group, actor=actor, details={"from": old, "to": title})
