"""Comment periods (意見募集): staff publish a draft for a time; the public reads it and how to respond."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def cacheable_pages(_app) -> set[str]:
    return {"periods.index", "periods.show"}


def nav_items(_app) -> list[NavItem]:
    return [NavItem("periods.index", _l("Public comment")),
            NavItem("periods.staff_index", _l("Manage comment periods"), roles=("staff", "admin")),
            NavItem("periods.settings", _l("Comment period rules"), roles=("admin",))]


def init_app(app: Flask) -> None:
    from app.core.runs import subject_type
    from app.periods import (
        models,  # noqa: F401  (register the tables)
        staff_views,  # noqa: F401  (its routes join the blueprint)
    )
    from app.periods.home import can_follow_period_run, home_section, timeline_entries
    from app.periods.labels import attribute_label, channel_label
    from app.periods.models import CommentPeriod
    from app.periods.views import bp

    app.register_blueprint(bp)
    app.add_template_global(channel_label, "channel_label")
    app.add_template_global(attribute_label, "attribute_label")
    signals.cacheable_pages.connect(cacheable_pages)
    signals.nav_items.connect(nav_items)
    signals.home_sections.connect(home_section)
    signals.plan_timeline.connect(timeline_entries)
    from app.periods import office
    signals.plan_work.connect(office.plan_work)
    signals.job_run_access.connect(can_follow_period_run, sender=subject_type(CommentPeriod))
