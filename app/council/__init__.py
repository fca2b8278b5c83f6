"""The council (審議会) that deliberates a plan: its meetings with agenda and minutes, seats for the
public (傍聴) as a sign-up with a fixed number of seats, and its members as the plan's page lists them."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def nav_items(_app) -> list[NavItem]:
    return [NavItem("council_staff.index", _l("Manage councils"), roles=("staff", "admin"))]


def cacheable_pages(_app) -> set[str]:
    return {"council.meeting"}


def shed_fields(_app) -> list[tuple[str, object]]:
    return [("contact", _l("Phone number or email address")), ("form_key|submit", None)]


def init_app(app: Flask) -> None:
    from app.council import staff_views, views
    from app.council.home import plan_members, timeline_entries
    from app.council.labels import category_label, role_label, status_label
    from app.council.seats import purge_personal_data

    app.register_blueprint(views.bp)
    app.register_blueprint(staff_views.bp)
    app.add_template_global(category_label, "council_category_label")
    app.add_template_global(role_label, "council_role_label")
    app.add_template_global(status_label, "council_status_label")
    signals.nav_items.connect(nav_items)
    signals.cacheable_pages.connect(cacheable_pages)
    signals.shed_fields.connect(shed_fields)
    signals.plan_timeline.connect(timeline_entries)
    signals.plan_page_sections.connect(plan_members)
    signals.personal_data_purge.connect(purge_personal_data)
