"""Plans (案件). Functions flush; the view commits."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.core import signals
from app.core.audit import record_audit
from app.core.timeutil import utcnow
from app.extensions import db
from app.plans.models import Plan

EDITABLE = ("title", "summary", "department", "contact", "start_year", "end_year")


@dataclass
class TimelineEntry:
    """One participation step of a plan, as the public timeline shows it.

    ``kind`` is the step's code (briefing, workshop, event, survey, council, period, result,
    adoption) and ``kind_label`` its name for people, given by the feature that knows it;
    ``result_url`` is where a past step's outcome is read (report, minutes, result), if any yet.
    ``current`` is set by ``plan_timeline`` on the one step the plan is at now (いまここ)."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    url: str
    status: str
    kind_label: str = ""
    result_url: str | None = None
    result_label: str = ""
    current: bool = False

    def is_past(self, now: datetime) -> bool:
        return (self.ends_at or self.starts_at) < now


def public_query():
    """Plans the public may read, in no particular order."""
    return select(Plan).where(Plan.status == "published")


def published_plans(limit: int | None = None) -> list[Plan]:
    query = public_query().order_by(Plan.published_at.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def all_plans() -> list[Plan]:
    """Every plan for the staff list, newest first."""
    return list(db.session.scalars(select(Plan).order_by(Plan.created_at.desc())))


def editable_plans(user) -> list[Plan]:
    """The plans ``user`` may change or add steps to, newest first."""
    return [plan for plan in all_plans() if plan.can_edit(user)]


def create_plan(data: dict, *, actor) -> Plan:
    plan = Plan(created_by_id=actor.id, **{key: data.get(key) for key in EDITABLE})
    db.session.add(plan)
    db.session.flush()
    record_audit("plan.create", plan, actor=actor, details={"title": plan.title})
    return plan


def update_plan(plan: Plan, data: dict, *, actor) -> Plan:
    changed = [key for key in EDITABLE if getattr(plan, key) != data.get(key)]
    for key in changed:
        setattr(plan, key, data.get(key))
    db.session.flush()
    if changed:
        record_audit("plan.update", plan, actor=actor, details={"fields": changed})
    return plan


def publish_plan(plan: Plan, *, actor) -> Plan:
    if plan.is_published:
        return plan
    plan.status = "published"
    plan.published_at = plan.published_at or utcnow()
    db.session.flush()
    record_audit("plan.publish", plan, actor=actor)
    return plan


def unpublish_plan(plan: Plan, *, actor, reason: str) -> Plan:
    if not plan.is_published:
        return plan
    plan.status = "draft"
    db.session.flush()
    record_audit("plan.unpublish", plan, actor=actor, reason=reason)
    return plan


def plan_timeline(plan: Plan, *, public: bool = True, now: datetime | None = None) -> list[TimelineEntry]:
    """Every feature's participation steps (``signals.plan_timeline``), earliest first, with the
    current one marked (see ``current_step``)."""
    entries = [entry for _receiver, found in signals.plan_timeline.send(plan, public=public) for entry in found]
    entries.sort(key=lambda entry: (entry.starts_at, entry.ends_at or entry.starts_at))
    current = current_step(entries, now or utcnow())
    if current is not None:
        current.current = True
    return entries


def current_step(entries: list[TimelineEntry], now: datetime) -> TimelineEntry | None:
    """Where the plan is now (いまここ): the step under way (of several, the one begun last, as a
    workshop inside an open comment period); else the step most recently reached; None before the
    first step begins. ``entries`` are in date order."""
    started = [entry for entry in entries if entry.starts_at <= now]
    under_way = [entry for entry in started if entry.ends_at is not None and now <= entry.ends_at]
    if under_way:
        return under_way[-1]
    return started[-1] if started else None


def page_sections(plan: Plan, user) -> list[tuple[str, dict]]:
    """What other features add to the plan's page (its text, by version), as (template, context)."""
    user = user if getattr(user, "is_authenticated", False) else None
    return [extra for _receiver, extra in signals.plan_page_sections.send(plan, user=user) if extra is not None]
