"""Moderation: the queue that turns submissions into opinions, with due process and a full record."""

import click
from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def nav_items(_app) -> list[NavItem]:
    return [NavItem("moderation.dashboard", _l("Moderation"), roles=("moderator", "admin"))]


def recurring_jobs(_app) -> list:
    from app.moderation.tasks import SCHEDULE

    return SCHEDULE


def init_app(app: Flask) -> None:
    from app.moderation import models  # noqa: F401  (register the tables)
    from app.moderation.views import bp

    app.register_blueprint(bp)
    from app.moderation.services.opinions import opinions_on_sections

    signals.section_in_use.connect(opinions_on_sections)
    signals.nav_items.connect(nav_items)
    signals.recurring_jobs.connect(recurring_jobs)
    from app.moderation import office
    signals.plan_work.connect(office.plan_work)

    @app.cli.group()
    def moderation():
        """The moderation queue."""

    @moderation.command("reindex")
    def reindex():
        """Rebuild the search index of every submission."""
        from app.extensions import db
        from app.moderation.services import reindex_all

        count = reindex_all()
        db.session.commit()
        click.echo(f"indexed {count} submission(s)")
