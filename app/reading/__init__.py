"""Reading help on public pages (issue 19): ふりがな from SudachiPy, corrected by a city dictionary that
admins keep and turned on by the reader with a switch in the header; a glossary whose terms are
explained where they are first used; やさしい日本語 summaries of periods, workshops and results."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def nav_items(_app) -> list[NavItem]:
    return [NavItem("reading.glossary_page", _l("Glossary")),
            NavItem("reading.glossary_staff", _l("Manage the glossary"), roles=("staff", "admin")),
            NavItem("reading.dictionary", _l("Furigana dictionary"), roles=("admin",))]


def cacheable_pages(_app) -> set[str]:
    return {"reading.glossary_page"}


def init_app(app: Flask) -> None:
    from app.reading import (
        glossary_views,  # noqa: F401  (its routes are on the blueprint)
        models,  # noqa: F401  (registers the tables)
    )
    from app.reading.summaries import paragraphs
    from app.reading.terms import add_terms
    from app.reading.toggle import add_readings, keep_parameter, switch
    from app.reading.views import bp

    app.register_blueprint(bp)
    app.url_defaults(keep_parameter)
    # Flask runs after_request functions last-registered first: the glossary marks the page, then
    # ふりがな go inside its terms too, and only then the page cache (registered earlier) keeps it.
    app.after_request(add_readings)
    app.after_request(add_terms)
    app.add_template_global(switch, "furigana_switch")
    app.add_template_global(paragraphs, "easy_summary")
    signals.nav_items.connect(nav_items)
    signals.cacheable_pages.connect(cacheable_pages)
