"""Workshops (ワークショップ): sign-up with a waitlist, the facilitator's day, and the published report."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.home import HOME_SECTIONS
from app.core.nav import register_nav
from app.plans.services import TIMELINE_SOURCES


def init_app(app: Flask) -> None:
    from app.core.retention import PURGES
    from app.core.shed import keep_fields
    from app.workshops import day_views, staff_views, views
    from app.workshops.services import home_section, workshop_timeline
    from app.workshops.tasks import purge_personal_data

    for blueprint in (views.bp, staff_views.bp, day_views.bp):
        app.register_blueprint(blueprint)
    register_nav("workshops.index", _l("Workshops"))
    register_nav("workshop_staff.index", _l("Manage workshops"), roles=("staff", "admin"))
    register_nav("facilitation.index", _l("My workshops"), roles=("facilitator",))
    if workshop_timeline not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(workshop_timeline)
    if home_section not in HOME_SECTIONS:
        HOME_SECTIONS.append(home_section)
    # The sign-up form's fields, labelled when a page keeps them (see app.core.shed); name, email
    # and phone are labelled by submissions already, ticked boxes and keys stay hidden.
    keep_fields([("party_size", _l("Number of people including you")),
                 ("answer_1", _l("Answer to the first question")), ("answer_2", _l("Answer to the second question")),
                 ("accommodation_note", _l("Anything else we should prepare")),
                 ("wheelchair|sign_language|writing|childcare|form_key|submit", None)])
    if ("workshop sign-ups", purge_personal_data) not in PURGES:
        PURGES.append(("workshop sign-ups", purge_personal_data))
