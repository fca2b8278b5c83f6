"""Plans (案件): the policy a city is making, and the public timeline of how people took part."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.nav import register_nav


def init_app(app: Flask) -> None:
    from app.core.pagecache import CACHEABLE
    from app.plans.views import bp

    app.register_blueprint(bp)
    CACHEABLE.update({"plans.index", "plans.show"})
    register_nav("plans.staff_index", _l("Manage plans"), roles=("staff", "admin"))
