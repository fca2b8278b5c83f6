"""What following a plan says: its errors and the names of the events a digest lists."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

EVENT_LABELS = {
    "period_opened": _l("A comment period has opened"),
    "period_closing": _l("One week left to send opinions"),
    "workshop_announced": _l("A workshop has been announced"),
    "result_published": _l("The result of a comment period has been published"),
}


def error_message(code: str) -> str:
    messages = {
        "bad_link": _("This link is not valid. Copy the whole link from the mail, or follow the plan again "
                      "from its page."),
        "expired": _("This confirmation link has expired. Follow the plan again from its page to get a new one."),
        "gone": _("This subscription no longer exists: it was cancelled, or never confirmed in time. "
                  "Follow the plan again from its page if you wish."),
    }
    return messages.get(code, _("The request could not be processed."))
