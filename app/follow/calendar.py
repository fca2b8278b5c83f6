"""Calendar feeds (ICS) for a plan and for the whole city: every public workshop with its time and
place, and every public comment period's deadline at its exact closing time. No personal data:
only what the public pages show."""

from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import gettext as _
from icalendar import Calendar
from sqlalchemy import select

from app.core.ics import new_calendar, new_event
from app.extensions import db
from app.periods.models import CommentPeriod
from app.plans.models import Plan
from app.workshops.ics import workshop_event
from app.workshops.models import Workshop


def _host() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname or "meyasu"


def _public_workshops(plan_id: int | None) -> list[Workshop]:
    query = (select(Workshop).join(Plan, Workshop.plan_id == Plan.id)
             .where(Workshop.status.in_(("published", "cancelled")), Plan.status == "published"))
    if plan_id is not None:
        query = query.where(Workshop.plan_id == plan_id)
    return list(db.session.scalars(query.order_by(Workshop.starts_at, Workshop.id)))


def _public_periods(plan_id: int | None) -> list[CommentPeriod]:
    query = (select(CommentPeriod).join(Plan, CommentPeriod.plan_id == Plan.id)
             .where(CommentPeriod.status == "scheduled", Plan.status == "published"))
    if plan_id is not None:
        query = query.where(CommentPeriod.plan_id == plan_id)
    return list(db.session.scalars(query.order_by(CommentPeriod.closes_at, CommentPeriod.id)))


def feed(name: str, plan_id: int | None = None) -> Calendar:
    """The calendar of one plan (``plan_id``) or of every published plan."""
    calendar = new_calendar(name)
    host = _host()
    for workshop in _public_workshops(plan_id):
        url = url_for("workshops.show", workshop_id=workshop.id, _external=True)
        description = "\n".join(part for part in (workshop.plan.title, workshop.theme, url) if part)
        calendar.add_component(workshop_event(workshop, url=url, host=host, description=description))
    for period in _public_periods(plan_id):
        url = url_for("periods.show", period_id=period.id, _external=True)
        summary = _("Deadline for opinions: %(title)s", title=period.title)
        description = "\n".join((period.plan.title, _("Opinions are accepted until this time."), url))
        # The deadline is a moment: an event that starts and ends at the closing time.
        calendar.add_component(new_event(f"period-{period.id}-deadline@{host}", summary, period.closes_at,
                                         period.closes_at, url=url, description=description))
    return calendar
