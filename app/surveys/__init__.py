"""Surveys (意識調査・アンケート): mailed forms with answer codes, web answers and paper entry, and
表1 with a table per question, published as the plan's survey report."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def nav_items(_app) -> list[NavItem]:
    return [NavItem("surveys.staff_index", _l("Manage surveys"), roles=("staff", "admin"))]


def cacheable_pages(_app) -> set[str]:
    return {"surveys.show", "surveys.report"}


def recurring_jobs(_app) -> list:
    from app.surveys.tasks import SCHEDULE

    return SCHEDULE


def init_app(app: Flask) -> None:
    from app.core.runs import subject_type
    from app.surveys import (
        import_views,  # noqa: F401  (its routes join the blueprint)
        models,  # noqa: F401  (register the tables)
        paper_views,  # noqa: F401  (its routes join the blueprint)
        staff_views,  # noqa: F401
        text_models,  # noqa: F401  (register the tables)
        text_views,  # noqa: F401
    )
    from app.surveys.home import can_follow_survey_run, timeline_entries
    from app.surveys.models import Survey
    from app.surveys.views import bp

    app.register_blueprint(bp)
    signals.nav_items.connect(nav_items)
    signals.cacheable_pages.connect(cacheable_pages)
    signals.plan_timeline.connect(timeline_entries)
    from app.surveys import office
    signals.plan_work.connect(office.plan_work)
    signals.recurring_jobs.connect(recurring_jobs)
    signals.job_run_access.connect(can_follow_survey_run, sender=subject_type(Survey))
