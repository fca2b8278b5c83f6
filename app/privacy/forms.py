"""Review forms. A finding's page holds one form per finding; the note is checked by the service."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Optional

BACK = ("text", "review")


class FindingForm(FlaskForm):
    """Hide a finding (one click), or the screen-again button: the token, and the page to go back to."""

    back = HiddenField(validators=[Optional(), AnyOf(BACK)])


class NotPersonalForm(FindingForm):
    note = TextAreaField(_l("Why this is not personal data"))
