"""Personal data in texts to be published (個人情報の検出): every opinion and answer is screened,
what is found is shown to its reviewers, hidden or cleared with a note, and the result is not
published while any of it is unreviewed."""

from types import SimpleNamespace

import click
from flask import Flask


def init_app(app: Flask) -> None:
    from app.core.signals import (
        opinion_text_changed,
        personal_data_purge,
        publication_check,
        response_text_changed,
    )
    from app.moderation.services.redaction import source_text
    from app.privacy import services  # its models register the tables
    from app.privacy.labels import STATE_LABELS, kind_label
    from app.privacy.views import bp

    app.register_blueprint(bp)
    opinion_text_changed.connect(services.on_opinion_changed)
    response_text_changed.connect(services.on_response_changed)
    publication_check.connect(services.publication_problems)
    personal_data_purge.connect(services.purge_findings)
    # What the moderation and answer pages show of screening, without those features importing it.
    app.add_template_global(SimpleNamespace(
        findings_of=services.findings_of, public_source=source_text, highlight=services.highlight,
        entry_findings=services.entry_findings,
        unreviewed_by_opinion=services.unreviewed_by_opinion,
        unreviewed_by_submission=services.unreviewed_by_submission,
        kind_label=kind_label, state_labels=STATE_LABELS,
    ), "privacy")

    @app.cli.group()
    def privacy():
        """Personal data in texts to be published."""

    @privacy.command("screen")
    @click.option("--period", "period_id", type=int, help="Only this comment period.")
    def screen(period_id: int | None):
        """Screen every text not yet screened (those written before screening existed)."""
        from sqlalchemy import select

        from app.extensions import db
        from app.periods.models import CommentPeriod

        query = select(CommentPeriod).where(CommentPeriod.results_published_at.is_(None))
        if period_id:
            query = query.where(CommentPeriod.id == period_id)
        total = sum(services.screen_period(period) for period in db.session.scalars(query).all())
        db.session.commit()
        click.echo(f"screened {total} text(s)")
