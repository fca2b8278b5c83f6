"""Open data (オープンデータ): what Meyasu has published, for machines — a read-only JSON API with
an OpenAPI description, CSV downloads, and Atom feeds of opened periods and published results."""

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem

# Public list pages and the feeds or files that hold the same list: (endpoint, type, title).
ALTERNATES = {
    "core.home": (("feeds.periods", "application/atom+xml", _l("Comment periods opened (Atom)")),
                  ("feeds.results", "application/atom+xml", _l("Results published (Atom)"))),
    "periods.index": (("feeds.periods", "application/atom+xml", _l("Comment periods opened (Atom)")),
                      ("api.periods", "application/json", _l("Comment periods (JSON)")),
                      ("api.periods_csv", "text/csv", _l("Comment periods (CSV)"))),
    "results.index": (("feeds.results", "application/atom+xml", _l("Results published (Atom)")),),
    "plans.index": (("api.plans", "application/json", _l("Plans (JSON)")),
                    ("api.plans_csv", "text/csv", _l("Plans (CSV)"))),
    "workshops.index": (("api.workshops", "application/json", _l("Workshops (JSON)")),
                        ("api.workshops_csv", "text/csv", _l("Workshops (CSV)"))),
    # A plan's page: its own steps and data, by the plan's id.
    "plans.show": (("feeds.plan", "application/atom+xml", _l("How the plan is made (Atom)")),
                   ("api.plan", "application/json", _l("The plan (JSON)"))),
}


def alternate_links() -> list[dict]:
    """``<link rel="alternate">`` targets for the page being rendered (base.html puts them in <head>)."""
    values = {"plan_id": request.view_args["plan_id"]} if request.endpoint == "plans.show" else {}
    return [{"href": url_for(endpoint, **values), "type": kind, "title": str(title)}
            for endpoint, kind, title in ALTERNATES.get(request.endpoint, ())]


def nav_items(_app) -> list[NavItem]:
    return [NavItem("api.docs", _l("Open data"))]


def init_app(app: Flask) -> None:
    from app.api import feeds, surveys, views  # noqa: F401  (surveys' routes join the blueprint)
    from app.api.http import render_problem

    app.register_blueprint(views.bp)
    app.register_blueprint(feeds.bp)
    app.add_template_global(alternate_links, "alternate_links")
    signals.nav_items.connect(nav_items)
    signals.error_response.connect(render_problem)
