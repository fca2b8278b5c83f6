"""Moderation: the queue that turns submissions into opinions, with due process and a full record."""

import click
from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.nav import register_nav


def init_app(app: Flask) -> None:
    from app.moderation import models  # noqa: F401  (register the tables)
    from app.moderation.views import bp

    app.register_blueprint(bp)
    from app.moderation.services.search import index_new_submissions
    from app.submissions.services import CREATED_HOOKS

    if index_new_submissions not in CREATED_HOOKS:
        CREATED_HOOKS.append(index_new_submissions)
    register_nav("moderation.dashboard", _l("Moderation"), roles=("moderator", "admin"))

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
