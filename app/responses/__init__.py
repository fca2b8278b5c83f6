"""Responses and results: the city's view on every opinion (市の考え方), approved by a second pair of
eyes, and the published result (結果公表) with its exports, errata and the submitters' notice."""

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from app.core.home import HOME_SECTIONS
from app.core.nav import register_nav


def result_timeline(plan, public: bool) -> list:
    """A plan's timeline gains one step per published result."""
    from sqlalchemy import select

    from app.extensions import db
    from app.periods.models import CommentPeriod
    from app.plans.services import TimelineEntry
    from app.responses.models import Result

    rows = db.session.execute(
        select(Result, CommentPeriod).join(CommentPeriod, CommentPeriod.id == Result.period_id)
        .where(CommentPeriod.plan_id == plan.id, Result.published_at.is_not(None),
               CommentPeriod.status.not_in(("draft", "withdrawn")))
    ).all()
    return [TimelineEntry("result", result.title or period.title, result.published_at, None,
                          url_for("results.show", period_id=period.id), str(_l("Result published")))
            for result, period in rows]


def home_results() -> tuple[str, dict] | None:
    from app.responses.results import published_results

    rows = published_results(limit=5)
    return ("responses/_home_results.html", {"rows": rows}) if rows else None


def init_app(app: Flask) -> None:
    from app.core.pagecache import CACHEABLE
    from app.plans.services import TIMELINE_SOURCES
    from app.responses import models  # noqa: F401  (register the tables)
    from app.responses.report import attribute_label, channel_label, withhold_label
    from app.responses.result_views import bp as results_bp
    from app.responses.services import categories
    from app.responses.views import bp

    app.register_blueprint(bp)
    for name, function in (("channel_label", channel_label), ("attribute_label", attribute_label),
                           ("withhold_label", withhold_label), ("result_categories", categories)):
        app.add_template_global(function, name)
    app.register_blueprint(results_bp)
    CACHEABLE.update({"results.index", "results.show"})
    register_nav("results.index", _l("Results"))
    register_nav("responses.overview", _l("Responses"), roles=("staff", "admin"))
    register_nav("responses.categories", _l("Reflection categories"), roles=("admin",))
    if result_timeline not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(result_timeline)
    if home_results not in HOME_SECTIONS:
        HOME_SECTIONS.append(home_results)
    from app.core.retention import PURGES
    from app.responses.exports import purge_staff_exports

    if ("staff exports", purge_staff_exports) not in PURGES:
        PURGES.append(("staff exports", purge_staff_exports))
    from app.responses.lookup import lookup_section
    from app.submissions.services import LOOKUP_EXTRAS

    if lookup_section not in LOOKUP_EXTRAS:
        LOOKUP_EXTRAS.append(lookup_section)
    from app.jobs.services import register_run_access

    register_run_access("CommentPeriod", _can_follow_export_run)


def _can_follow_export_run(subject_id: int | None, user) -> bool:
    """Result exports (the staff list holds personal data) are followed by the period's own staff only."""
    from app.extensions import db
    from app.periods.models import CommentPeriod

    period = db.session.get(CommentPeriod, subject_id) if subject_id is not None else None
    return period is not None and period.can_edit(user)
