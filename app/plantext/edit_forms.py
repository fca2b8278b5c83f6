from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from app.plantext.services import MAX_TEXT_CHARS


class NextVersionForm(FlaskForm):
    submit = SubmitField(_l("Start the next version from this text"))


class SectionForm(FlaskForm):
    """One section in the city's layout: its heading on the first line, then its paragraphs."""

    text = TextAreaField(_l("Section text"), validators=[Length(max=MAX_TEXT_CHARS)])
    submit = SubmitField(_l("Save this section"))


class PeriodSectionsForm(FlaskForm):
    """Which version of the plan's text, and how deep: the period's sections are made from its headings."""

    version = SelectField(_l("Version of the plan's text"), coerce=int, validators=[InputRequired()])
    depth = SelectField(_l("Headings to use"), coerce=int, default=2, validators=[InputRequired()], choices=[
        SelectChoice(1, _l("Chapters (第１章)")), SelectChoice(2, _l("Chapters and sections (第１章, １)")),
        SelectChoice(3, _l("Chapters, sections and sub-sections (第１章, １, （１）)"))])
    submit = SubmitField(_l("Make the sections"))

    def __init__(self, versions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.version.choices = [SelectChoice(version.id, version.stage_label) for version in versions]
