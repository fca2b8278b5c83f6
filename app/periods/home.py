"""What periods add to other pages: the home page's open periods and each plan's timeline, and who
may follow a background run about a period."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.periods import services
from app.periods.labels import STATE_LABELS
from app.periods.models import CommentPeriod
from app.plans.models import Plan
from app.plans.services import TimelineEntry


def home_section(_sender=None) -> tuple[str, dict] | None:
    now = utcnow()
    groups = services.public_periods(now)
    if not groups["open"] and not groups["upcoming"]:
        return None
    return "periods/_home_section.html", {"open": groups["open"], "upcoming": groups["upcoming"][:3], "now": now}


def can_follow_period_run(_subject_type: str, *, run, user) -> bool:
    """A run about a period (its digest, an import, an export) holds its opinions' words: the period's
    moderators and its department's staff may follow it."""
    period = db.session.get(CommentPeriod, run.subject_id) if run.subject_id is not None else None
    return period is not None and period.can_read_submissions(user)


def timeline_entries(plan: Plan, public: bool) -> list[TimelineEntry]:
    query = select(CommentPeriod).where(CommentPeriod.plan_id == plan.id)
    if public:
        query = query.where(CommentPeriod.status == "scheduled")
    now = utcnow()
    return [
        TimelineEntry(kind="period", title=period.title, starts_at=period.opens_at, ends_at=period.closes_at,
                      url=url_for("periods.show", period_id=period.id), status=str(STATE_LABELS[period.state(now)]),
                      kind_label=_("Public comment"),
                      result_url=url_for("results.show", period_id=period.id) if period.results_published_at else None,
                      result_label=_("Read the result"))
        for period in db.session.scalars(query)
    ]
