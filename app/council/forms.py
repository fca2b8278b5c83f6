"""Staff forms for meetings and members, and the public's form for a seat."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.core.timeutil import JST, UTC, to_jst
from app.council.labels import CATEGORY_LABELS, ROLE_LABELS

TEXT_MAX = 50000
LENGTH = _l("Keep it within %(max)d characters.")


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=JST).astimezone(UTC) if value else None


class MeetingForm(FlaskForm):
    council_name = StringField(_l("Name of the council"), validators=[
        DataRequired(_l("Enter the name of the council.")), Length(max=200, message=LENGTH)])
    number = IntegerField(_l("Meeting number (第n回)"), validators=[
        DataRequired(_l("Enter the meeting number.")), NumberRange(1, 999, _l("Enter a number between %(min)d and %(max)d."))])
    day = DateField(_l("Date held"), validators=[DataRequired(_l("Enter the date."))])
    start_time = TimeField(_l("Starts at"), validators=[DataRequired(_l("Enter the starting time."))])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired(_l("Enter the ending time."))])
    place = StringField(_l("Place"), validators=[DataRequired(_l("Enter the place.")), Length(max=300, message=LENGTH)])
    agenda = TextAreaField(_l("Agenda (Markdown)"), validators=[Optional(), Length(max=TEXT_MAX, message=LENGTH)])
    seat_capacity = IntegerField(_l("Seats for the public (傍聴席)"), default=0, validators=[
        NumberRange(0, 1000, _l("Enter a number between %(min)d and %(max)d."))])
    signup_closes_at = DateTimeLocalField(_l("Sign-up for seats closes"), format="%Y-%m-%dT%H:%M",
                                          validators=[Optional()])
    minutes_text = TextAreaField(_l("Minutes (Markdown)"), validators=[
        Optional(), Length(max=TEXT_MAX, message=LENGTH)])
    minutes_file = FileField(_l("Minutes as a PDF file"))
    remove_minutes_file = BooleanField(_l("Remove the minutes' PDF file"))
    submit = SubmitField(_l("Save"))

    def validate_seat_capacity(self, field):
        if field.data is None:
            raise ValidationError(_l("Enter the number of seats (0 when there are none)."))

    def meeting_data(self) -> dict:
        day = self.day.data
        return {
            "council_name": self.council_name.data.strip(),
            "number": self.number.data,
            "starts_at": _utc(datetime.combine(day, self.start_time.data)),
            "ends_at": _utc(datetime.combine(day, self.end_time.data)),
            "place": self.place.data.strip(),
            "agenda": self.agenda.data or "",
            "minutes_text": self.minutes_text.data or "",
            "seat_capacity": self.seat_capacity.data or 0,
            "signup_closes_at": _utc(self.signup_closes_at.data),
        }

    @staticmethod
    def initial(meeting) -> dict:
        start, end = to_jst(meeting.starts_at), to_jst(meeting.ends_at)
        closes = to_jst(meeting.signup_closes_at).replace(tzinfo=None) if meeting.signup_closes_at else None
        return {"council_name": meeting.council_name, "number": meeting.number, "day": start.date(),
                "start_time": start.time(), "end_time": end.time(), "place": meeting.place,
                "agenda": meeting.agenda, "minutes_text": meeting.minutes_text,
                "seat_capacity": meeting.seat_capacity, "signup_closes_at": closes}


def category_choices():
    return [SelectChoice("", _l("Choose one"))] + [SelectChoice(code, label) for code, label in CATEGORY_LABELS.items()]


def role_choices():
    return [SelectChoice(code, label) for code, label in ROLE_LABELS.items()]


class MemberForm(FlaskForm):
    """Only what 図4 and the plan's page show: no address, phone or email is asked for."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=100, message=LENGTH)])
    category = SelectField(_l("Category (区分)"), choices=category_choices, validate_choice=False)
    affiliation = StringField(_l("Nominating body or affiliation (optional)"),
                              validators=[Optional(), Length(max=200, message=LENGTH)])
    role = SelectField(_l("Role on the council"), choices=role_choices, validate_choice=False)
    term_from = DateField(_l("Term from"), validators=[DataRequired(_l("Enter the date the term begins."))])
    term_to = DateField(_l("Term to"), validators=[DataRequired(_l("Enter the date the term ends."))])
    position = IntegerField(_l("Order in the list"), default=0, validators=[
        Optional(), NumberRange(0, 999, _l("Enter a number between %(min)d and %(max)d."))])
    submit = SubmitField(_l("Save"))

    def validate_category(self, field):
        if field.data not in CATEGORY_LABELS:
            raise ValidationError(_l("Choose the category from the list."))

    def validate_role(self, field):
        if field.data not in ROLE_LABELS:
            raise ValidationError(_l("Choose the role from the list."))

    def member_data(self) -> dict:
        return {"name": self.name.data.strip(), "category": self.category.data,
                "affiliation": (self.affiliation.data or "").strip(), "role": self.role.data,
                "term_from": self.term_from.data, "term_to": self.term_to.data, "position": self.position.data or 0}


class SeatForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=100, message=LENGTH)])
    contact = StringField(_l("Phone number or email address"), validators=[
        DataRequired(_l("Enter a phone number or an email address we can reach you at.")),
        Length(max=255, message=LENGTH)])
    form_key = HiddenField()
    submit = SubmitField(_l("Ask for a seat"))

    def seat_data(self) -> dict:
        return {"name": self.name.data.strip(), "contact": self.contact.data.strip(),
                "form_key": (self.form_key.data or "")[:64]}


class ActionForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))
