"""Facilitators' forms for the day: short, one task each, usable on a tablet."""

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.workshops.facilitation import NOTE_MAX
from app.workshops.forms import attribute_choices


class CheckInCodeForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(_l("Enter the code.")), Length(max=20)])
    submit = SubmitField(_l("Check in"))


class WalkInForm(FlaskForm):
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=100)])
    attribute = SelectField(_l("Attribute"), choices=lambda: attribute_choices(blank=False), default="other",
                            validate_choice=False)
    party_size = IntegerField(_l("Number of people"), default=1, validators=[
        DataRequired(_l("Enter the number of people.")),
        NumberRange(1, 20, _l("Enter a number between %(min)d and %(max)d."))])
    submit = SubmitField(_l("Add walk-in"))


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[
        DataRequired(_l("Enter a name for the group.")), Length(max=50, message=_l("Keep it within %(max)d characters."))])
    submit = SubmitField(_l("Add group"))


class NoteForm(FlaskForm):
    kind = SelectField(_l("Kind"), validate_choice=False)
    text = TextAreaField(_l("Sticky note"), validators=[
        DataRequired(_l("Write the note.")),
        Length(max=NOTE_MAX, message=_l("Keep a note within %(max)d characters."))])
    client_key = HiddenField()
    submit = SubmitField(_l("Save note"))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind) for kind in kinds]
        if not self.client_key.data:
            self.client_key.data = secrets.token_urlsafe(24)


class VotesForm(FlaskForm):
    votes = IntegerField(_l("Votes"), validators=[
        InputRequired(_l("Enter the number of votes.")),
        NumberRange(0, 999, _l("Enter a number between %(min)d and %(max)d."))])
    submit = SubmitField(_l("Save votes"))


class SummaryForm(FlaskForm):
    summary = TextAreaField(_l("Outcome summary (Markdown)"), validators=[
        Optional(), Length(max=20000, message=_l("Keep it within %(max)d characters."))])
    submit = SubmitField(_l("Save summary"))
