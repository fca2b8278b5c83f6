from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

NO_VERSION = 0


class CommentedVersionForm(FlaskForm):
    """Which version of the plan's text a comment period put to comment."""

    version = SelectField(_l("Version put to comment"), coerce=int)
    submit = SubmitField(_l("Save"))

    def __init__(self, versions, **kwargs):
        super().__init__(**kwargs)
        self.version.choices = [(NO_VERSION, _l("None (no plan text)")),
                                *((v.id, v.stage_label) for v in versions)]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChangeOpinionsForm(FlaskForm):
    """The opinions (one per answered row of the result) that caused one section's change."""

    opinions = CheckboxesField(_l("Opinions that caused this change"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save the links"))

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.opinions.choices = choices
