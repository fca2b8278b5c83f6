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
# The defaults of ``period.attributes``: shown translated while the city keeps their wording.
DEFAULT_ATTRIBUTE_LABELS = {
    ("resident", "在住"): _l("Lives in the city"),
    ("worker", "在勤"): _l("Works in the city"),
    ("student", "在学"): _l("Studies in the city"),
    ("business", "事業者"): _l("Runs a business in the city"),
    ("stakeholder", "利害関係者"): _l("Has an interest in the matter"),
}


def state_label(period) -> str:
    return str(STATE_LABELS[period.state()])


def channel_label(code: str) -> str:
    return str(CHANNEL_LABELS.get(code, code))


def attribute_labels() -> dict[str, str]:
    """{code: label} of the attributes the city has set, in their order."""
    return {code: str(DEFAULT_ATTRIBUTE_LABELS.get((code, label), label))
            for code, label in services.attribute_pairs()}


def attribute_label(code: str) -> str:
    """One submitter's attribute as counted in a result; a blank one was not given."""
    if not code:
        return str(_l("Not given"))
    return attribute_labels().get(code, code)
