"""The form id (用紙番号) printed on every paper opinion form: ``P-<period id>-<two check digits>``.

The check digits are ISO 7064 MOD 97-10 (as in an IBAN): a mistyped digit or two digits swapped
never make another period's id, so staff typing a stack of forms cannot file one under the wrong
period. The id says only which period the form belongs to: it is the same on every copy and on
every rebuild of the kit, so forms already printed stay valid.
"""

import re
import unicodedata

from flask_babel import gettext as _

from app.core.errors import DomainError

PATTERN = re.compile(r"^P(\d{1,9})(\d{2})$")
# Dashes and spaces people (and IMEs) type between the parts; all ignored.
SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー－−_/]")


class FormIdError(DomainError):
    """A form id that cannot be read (``malformed``), whose check digits do not match (``checksum``)
    or that names no period the user may enter submissions for (``unknown``)."""

    def describe(self) -> str:
        value = self.params.get("value", "")
        messages = {
            "malformed": _("“%(value)s” is not a form number. A form number looks like P-12-34: it is printed at "
                           "the top right of the opinion form.", value=value),
            "checksum": _("The form number “%(value)s” is not valid: check the digits against the form and type "
                          "it again.", value=value),
            "unknown": _("No comment period you can enter submissions for has the form number “%(value)s”.",
                         value=value),
        }
        return messages.get(self.code) or super().describe()


def check_digits(period_id: int) -> str:
    return f"{98 - (period_id * 100) % 97:02d}"


def form_id(period_id: int) -> str:
    return f"P-{period_id}-{check_digits(period_id)}"


def parse_form_id(text: str) -> int:
    """The period id in a typed or scanned form id; full-width characters and any dashes are fine."""
    value = (text or "").strip()[:40]
    compact = SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()
    match = PATTERN.match(compact)
    if match is None:
        raise FormIdError("malformed", "form_id", value=value)
    period_id = int(match.group(1))
    if period_id == 0 or check_digits(period_id) != match.group(2):
        raise FormIdError("checksum", "form_id", value=value)
    return period_id
