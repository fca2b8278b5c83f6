"""Submissions (提出): opinions from the web form and from paper, with receipt numbers and a lookup page."""

import click
from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def cacheable_pages(_app) -> set[str]:
    # The empty form is the same for everyone but its CSRF token, which the page cache puts back per reader.
    return {"submissions.form"}


def nav_items(_app) -> list[NavItem]:
    return [NavItem("submissions.lookup", _l("Look up your opinion"))]


def shed_forms(_app) -> set[str]:
    # At a deadline's crowd these are shed first, their text kept (app.core.shed).
    return {"submissions.confirm", "submissions.send"}


def shed_sends(_app) -> set[str]:
    # The send carries the key its confirm page issued: it goes through before new confirmations.
    return {"submissions.send"}


def shed_fields(_app) -> list[tuple[str, object]]:
    # On those pages (and the CSRF page) the kept text is labelled as on the form; the rest stays hidden, the
    # choices made from a list (relation to the city, section) among them: as text they showed a code.
    return [("name", _l("Name")), ("address", _l("Address")), ("attribute", None),
            ("email", _l("Email address")), ("phone", _l("Phone number")),
            (r"entries-(\d+)-body", _l("Opinion %(n)d")), (r"entries-\d+-section", None),
            ("idempotency_key", None), ("consent", None), ("homepage", None), ("send", None)]


def init_app(app: Flask) -> None:
    from app.submissions import (
        models,  # noqa: F401  (register the tables)
        services,
        staff_views,  # noqa: F401  (its routes join the blueprint)
    )
    from app.submissions.views import bp

    app.config.setdefault("SUBMISSION_RATE_LIMIT", "10 per hour")
    app.config.setdefault("SUBMISSION_RATE_LIMIT_PER_EMAIL", "5 per hour")
    app.config.setdefault("LOOKUP_RATE_LIMIT", "60 per hour")
    # Files with more rows than this import in a background job with a progress bar.
    app.config.setdefault("IMPORT_INLINE_MAX_ROWS", 500)
    app.register_blueprint(bp)
    signals.personal_data_purge.connect(services.purge_personal_data)
    signals.section_in_use.connect(services.entries_on_sections)
    signals.shed_forms.connect(shed_forms)
    signals.shed_sends.connect(shed_sends)
    signals.shed_fields.connect(shed_fields)
    signals.cacheable_pages.connect(cacheable_pages)
    signals.nav_items.connect(nav_items)

    @app.cli.group()
    def submissions():
        """Submissions: batch import of transcribed paper opinions."""

    @submissions.command("import")
    @click.argument("period_id", type=int)
    @click.argument("file", type=click.File("rb"))
    @click.option("--staff", "staff_email", default="", help="Email of the staff member entering them.")
    def import_command(period_id: int, file, staff_email: str):
        """Check FILE (CSV or XLSX) and import every row into PERIOD_ID, or import nothing."""
        from app.submissions.cli import import_file

        import_file(period_id, file, staff_email)
