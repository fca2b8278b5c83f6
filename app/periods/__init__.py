"""Comment periods (意見募集): staff publish a draft for a time; the public reads it and how to respond."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.home import HOME_SECTIONS
from app.core.nav import register_nav
from app.plans.services import TIMELINE_SOURCES


def init_app(app: Flask) -> None:
    from app.core.pagecache import CACHEABLE
    from app.periods import (
        models,  # noqa: F401  (register the tables)
        staff_views,  # noqa: F401  (its routes join the blueprint)
    )
    from app.periods.home import home_section, timeline_entries
    from app.periods.views import bp

    app.register_blueprint(bp)
    CACHEABLE.update({"periods.index", "periods.show"})
    register_nav("periods.index", _l("Public comment"))
    register_nav("periods.staff_index", _l("Manage comment periods"), roles=("staff", "admin"))
    register_nav("periods.settings", _l("Comment period rules"), roles=("admin",))
    # create_app may run more than once in a process (tests, the CLI): register each hook once.
    if home_section not in HOME_SECTIONS:
        HOME_SECTIONS.append(home_section)
    if timeline_entries not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(timeline_entries)
