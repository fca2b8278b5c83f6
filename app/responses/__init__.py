"""Responses and results: the city's view on every opinion (市の考え方), approved by a second pair of
eyes, and the published result (結果公表) with its exports, errata and the submitters' notice."""

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


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
                          url_for("results.show", period_id=period.id), str(_l("Result published")),
                          kind_label=str(_l("Result of the public comment")))
            for result, period in rows]


def home_results(_sender=None) -> tuple[str, dict] | None:
    from app.responses.results import published_results

    rows = published_results(limit=5)
    return ("responses/_home_results.html", {"rows": rows}) if rows else None


def cacheable_pages(_app) -> set[str]:
    return {"results.index", "results.show"}


def nav_items(_app) -> list[NavItem]:
    return [NavItem("results.index", _l("Results")),
            NavItem("responses.overview", _l("Responses"), roles=("staff", "admin")),
            NavItem("responses.categories", _l("Reflection categories"), roles=("admin",))]


def init_app(app: Flask) -> None:
    from app.core.runs import subject_type
    from app.periods.models import CommentPeriod
    from app.responses import models  # noqa: F401  (register the tables)
    from app.responses.exports import purge_staff_exports
    from app.responses.holds import answer_exists
    from app.responses.lookup import lookup_section
    from app.responses.report import withhold_label
    from app.responses.result_views import bp as results_bp
    from app.responses.services import categories
    from app.responses.views import bp

    app.register_blueprint(bp)
    for name, function in (("withhold_label", withhold_label), ("result_categories", categories)):
        app.add_template_global(function, name)
    app.register_blueprint(results_bp)
    signals.cacheable_pages.connect(cacheable_pages)
    signals.nav_items.connect(nav_items)
    signals.plan_timeline.connect(result_timeline)
    signals.home_sections.connect(home_results)
    signals.personal_data_purge.connect(purge_staff_exports)
    signals.lookup_sections.connect(lookup_section)
    from app.responses import office
    signals.plan_work.connect(office.plan_work)
    signals.answer_exists.connect(answer_exists)
    signals.job_run_access.connect(can_follow_export_run, sender=subject_type(CommentPeriod))


def can_follow_export_run(_subject_type: str, *, run, user) -> bool | None:
    """Result exports (the staff list holds personal data) are followed by the period's own staff only;
    the period's other runs are left to its own rule."""
    from app.extensions import db
    from app.periods.models import CommentPeriod
    from app.responses.results import EXPORT_KIND, STAFF_EXPORT_KIND

    if run.kind not in (EXPORT_KIND, STAFF_EXPORT_KIND):
        return None
    period = db.session.get(CommentPeriod, run.subject_id) if run.subject_id is not None else None
    return period is not None and period.can_edit(user)
