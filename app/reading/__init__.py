"""ふりがな on public pages (issue 19): readings from SudachiPy, corrected by a city dictionary that
admins keep, turned on by the reader with a switch in the header."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def nav_items(_app) -> list[NavItem]:
    return [NavItem("reading.dictionary", _l("Furigana dictionary"), roles=("admin",))]


def init_app(app: Flask) -> None:
    from app.reading import models  # noqa: F401  (registers the table)
    from app.reading.toggle import add_readings, keep_parameter, switch
    from app.reading.views import bp

    app.register_blueprint(bp)
    app.url_defaults(keep_parameter)
    # Registered after the page cache's: Flask runs after_request functions last-registered first,
    # so the page is annotated before it is kept.
    app.after_request(add_readings)
    app.add_template_global(switch, "furigana_switch")
    signals.nav_items.connect(nav_items)
