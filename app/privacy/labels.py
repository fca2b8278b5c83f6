"""Words for what screening finds and for the refusals of its review."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "phone": _l("Phone number"),
    "email": _l("Email address"),
    "postal_code": _l("Postal code"),
    "address": _l("Address"),
    "my_number": _l("My Number (individual number)"),
    "name": _l("Personal name"),
}
STATE_LABELS = {"unreviewed": _l("Not reviewed"), "redacted": _l("Hidden"), "not_personal": _l("Not personal")}


def kind_label(code: str) -> str:
    return str(KIND_LABELS.get(code, code))


def error_message(error) -> str:
    params = error.params
    return {
        "forbidden": lambda: _("You do not have permission to review this finding."),
        "published": lambda: _("The result of this comment period has been published; its texts can no longer change."),
        "already_reviewed": lambda: _("This finding has already been reviewed."),
        "outdated": lambda: _("The text has changed since this finding was shown. "
                              "Review the findings of the text as it is now."),
        "note_required": lambda: _("Say in the note why this is not personal data "
                                   "(for example: the name of a public office)."),
        "note_too_long": lambda: _("Keep the note within %(max)d characters.", max=params.get("max", 0)),
        "answer_refused": lambda: _("The answer could not be changed. Edit it on its page."),
    }.get(error.code, lambda: _("The request could not be processed."))()
