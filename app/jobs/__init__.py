"""Visible background work: progress of each run for staff, failed jobs and retries for admins."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def nav_items(_app) -> list[NavItem]:
    return [NavItem("jobs.admin_index", _l("Background jobs"), roles=("admin",))]


def init_app(app: Flask) -> None:
    from app.jobs.services import run_status
    from app.jobs.views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["job_status"] = run_status
    signals.nav_items.connect(nav_items)
