"""Plans (案件): the policy a city is making, and the public timeline of how people took part."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def cacheable_pages(_app) -> set[str]:
    return {"plans.index", "plans.show"}


def nav_items(_app) -> list[NavItem]:
    return [NavItem("plans.staff_index", _l("Manage plans"), roles=("staff", "admin"))]


def home_plans(_sender=None) -> tuple[str, dict]:
    """The home page lists the newest published plans, or says there are none yet."""
    from app.plans.services import published_plans

    return "plans/_home_section.html", {"plans": published_plans(limit=10)}


def init_app(app: Flask) -> None:
    from app.plans.views import bp

    app.register_blueprint(bp)
    signals.cacheable_pages.connect(cacheable_pages)
    signals.nav_items.connect(nav_items)
    signals.home_sections.connect(home_plans)
