"""What each broken rule of a comment period says to the staff member who met it."""

from flask_babel import gettext as _


def error_message(error) -> str:
    messages = {
        "closes_before_opens": lambda: _("The period must close after it opens."),
        "short_without_reason": lambda: _(
            "This period is %(days)d days long, shorter than the city's minimum of %(min_days)d days. "
            "Give the reason; it is shown publicly.", **error.params),
        "no_channel": lambda: _("Accept opinions through at least one channel."),
        "unknown_channel": lambda: _("Choose channels from the list."),
        "locked_withdrawn": lambda: _("This period has been withdrawn and can no longer be changed."),
        "locked_published": lambda: _("The results of this period are published; it can no longer be changed."),
        "opening_locked": lambda: _("The period has opened; its opening time can no longer change."),
        "closing_earlier": lambda: _("The period has opened; it can be extended but not shortened."),
        "extend_closed": lambda: _("A closed period cannot be extended."),
        "extension_needs_reason": lambda: _("Give the reason for the extension; it is logged."),
        "not_draft": lambda: _("Only a draft can be scheduled."),
        "already_opened": lambda: _("The period has already opened; it cannot go back to draft."),
        "withdraw_needs_reason": lambda: _("Enter the reason for withdrawing."),
        "section_in_use": lambda: _("A section that opinions already point at cannot be removed."),
    }
    return messages.get(error.code, lambda: _("The request could not be processed."))()
