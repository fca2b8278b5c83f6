from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField


class BuildKitForm(FlaskForm):
    submit = SubmitField(_l("Build the print kit"))


class FormIdForm(FlaskForm):
    """Read from the query string: looking a number up changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    form_id = StringField(_l("Form number"), render_kw={"autocomplete": "off", "spellcheck": "false",
                                                        "autocapitalize": "characters"})
    submit = SubmitField(_l("Enter this form"))
