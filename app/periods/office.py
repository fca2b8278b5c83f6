"""A plan's comment periods on its 事務局 dashboard: their state and, while one is open, the days
left. Moderation and responses add their figures to the same group (``period_group``)."""

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from app.core.timeutil import jst_today, to_jst, utcnow
from app.extensions import db
from app.periods.labels import STATE_LABELS
from app.periods.models import CommentPeriod
from app.plans.office import WorkGroup, WorkItem


def period_group(period: CommentPeriod, items: list[WorkItem]) -> WorkGroup:
    return WorkGroup(key=("period", period.id), kind=_("Public comment"), title=period.title,
                     url=url_for("periods.edit", period_id=period.id), starts_at=period.opens_at, items=items)


def plan_periods(plan_id: int, *, started: bool = False) -> list[CommentPeriod]:
    """The plan's periods that are not withdrawn (with ``started``: only those past their draft)."""
    excluded = ("withdrawn", "draft") if started else ("withdrawn",)
    return list(db.session.scalars(select(CommentPeriod).where(
        CommentPeriod.plan_id == plan_id, CommentPeriod.status.not_in(excluded)).order_by(CommentPeriod.opens_at)))


def days_left(period: CommentPeriod) -> str:
    days = (to_jst(period.closes_at).date() - jst_today()).days
    return ngettext("%(num)d day", "%(num)d days", days) if days > 0 else _("Closes today")


def plan_work(plan, user) -> list[WorkGroup]:
    now = utcnow()
    groups = []
    for period in plan_periods(plan.id):
        state = period.state(now)
        items = [WorkItem(_("State"), str(STATE_LABELS[state]), url_for("periods.edit", period_id=period.id))]
        if state == "open":
            items.append(WorkItem(_("Until the deadline"), days_left(period),
                                  url_for("periods.show", period_id=period.id)))
        groups.append(period_group(period, items))
    return groups
