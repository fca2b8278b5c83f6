"""The words for a period's codes: its states, the channels opinions arrive by, the submitters'
attributes. Every page, export and API of every feature takes them from here."""

from flask_babel import lazy_gettext as _l

from app.periods import services

STATE_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Upcoming"),
    "open": _l("Open for comment"),
    "closed": _l("Closed"),
    "published": _l("Results published"),
    "withdrawn": _l("Withdrawn"),
}
CHANNEL_LABELS = {
    "web": _l("Web form"),
    "email": _l("Email"),
    "fax": _l("FAX"),
    "post": _l("Post"),
    "in_person": _l("In person"),
}
def state_label(period) -> str:
    return str(STATE_LABELS[period.state()])


def channel_label(code: str) -> str:
    return str(CHANNEL_LABELS.get(code, code))


def attribute_labels() -> dict[str, str]:
    """{code: label} of the attributes the city has set, in their order, in the page's language."""
    return dict(services.attribute_pairs())


def attribute_label(code: str) -> str:
    """One submitter's attribute as counted in a result; a blank one was not given."""
    if not code:
        return str(_l("Not given"))
    return attribute_labels().get(code, code)
