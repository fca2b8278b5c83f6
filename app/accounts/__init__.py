"""Accounts and roles: login, logout, password change, the admin's users and audit pages."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem
from app.extensions import login_manager


def nav_items(_app) -> list[NavItem]:
    return [NavItem("accounts.users", _l("Users"), roles=("admin",)),
            NavItem("accounts.audit_log", _l("Audit log"), roles=("admin",))]


def init_app(app: Flask) -> None:
    from app.accounts import cli
    from app.accounts.services import load_user_by_token
    from app.accounts.sessions import end_expired_staff_session
    from app.accounts.views import bp

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_by_token)
    app.config.setdefault("STAFF_SESSION_IDLE_MINUTES", 30)
    app.config.setdefault("STAFF_SESSION_MAX_HOURS", 12)
    app.before_request(end_expired_staff_session)
    app.register_blueprint(bp)
    cli.init_app(app)
    signals.nav_items.connect(nav_items)
