"""Workshops (ワークショップ): sign-up with a waitlist, the facilitator's day, and the published report."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.nav import NavItem


def nav_items(_app) -> list[NavItem]:
    return [NavItem("workshops.index", _l("Workshops")),
            NavItem("workshop_staff.index", _l("Manage workshops"), roles=("staff", "admin")),
            NavItem("facilitation.index", _l("My workshops"), roles=("facilitator",))]


def shed_fields(_app) -> list[tuple[str, object]]:
    # The sign-up form's fields, labelled when a page keeps them (see app.core.shed); name, email
    # and phone are labelled by submissions already, ticked boxes and keys stay hidden.
    return [("party_size", _l("Number of people including you")),
            ("answer_1", _l("Answer to the first question")), ("answer_2", _l("Answer to the second question")),
            ("accommodation_note", _l("Anything else we should prepare")),
            ("wheelchair|sign_language|writing|childcare|form_key|submit", None)]


def recurring_jobs(_app) -> list:
    from app.workshops.tasks import SCHEDULE

    return SCHEDULE


def kind_label(kind: str) -> str:
    from app.workshops.labels import KIND_LABELS

    return str(KIND_LABELS.get(kind, KIND_LABELS["other"]))


def init_app(app: Flask) -> None:
    from app.workshops import day_views, staff_views, views
    from app.workshops.services import home_section, workshop_timeline
    from app.workshops.tasks import purge_personal_data

    for blueprint in (views.bp, staff_views.bp, day_views.bp):
        app.register_blueprint(blueprint)
    app.add_template_global(kind_label, "workshop_kind_label")
    signals.nav_items.connect(nav_items)
    signals.plan_timeline.connect(workshop_timeline)
    from app.workshops import office
    signals.plan_work.connect(office.plan_work)
    signals.home_sections.connect(home_section)
    signals.shed_fields.connect(shed_fields)
    signals.personal_data_purge.connect(purge_personal_data)
    signals.recurring_jobs.connect(recurring_jobs)
