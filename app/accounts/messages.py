"""What each broken rule says to the person who met it."""

from flask_babel import force_locale
from flask_babel import gettext as _

# Codes about the new password itself, shown next to the field for it.
PASSWORD_PROBLEMS = ("password_too_short", "password_contains_email", "password_repeated", "password_sequence",
                     "password_common")


def error_message(code: str) -> str:
    return {
        "wrong_password": _("The current password is not correct."),
        "password_too_short": _("The password is too short."),
        "password_contains_email": _("The password must not contain the email address. Choose another one."),
        "password_repeated": _("The password repeats the same characters. Choose one that is harder to guess."),
        "password_sequence": _("The password is a run of characters in order (such as 1234… or abcd…). Choose "
                               "one that is harder to guess."),
        "password_common": _("This password is one of the most commonly used ones and is easy to guess. "
                             "Choose another one."),
        "unknown_role": _("That role does not exist."),
        "email_taken": _("A user with that email address already exists."),
        "cannot_revoke_own_admin": _("You cannot remove your own administrator role."),
    }.get(code, _("The request could not be processed."))


def both_languages(code: str) -> str:
    """The message in Japanese and English, for the command line (no request, so no reader's language)."""
    texts = []
    for locale in ("ja", "en"):
        with force_locale(locale):
            texts.append(error_message(code))
    return " / ".join(texts)
