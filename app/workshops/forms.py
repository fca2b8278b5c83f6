"""Forms of staff and the public. Facilitators' day-of forms live in ``day_forms``."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.timeutil import JST, UTC, to_jst
from app.workshops.labels import KIND_LABELS
from app.workshops.models import ATTRIBUTES, CONTACT_MODES, DEFAULT_NOTE_KINDS, KINDS

CONTENT_MAX = 20000


def attribute_choices(blank: bool = True):
    labels = {
        "resident": _l("Living in the city"),
        "worker": _l("Working in the city"),
        "student": _l("Studying in the city"),
        "active": _l("Active in a group in the city"),
        "other": _l("Other"),
    }
    first = [SelectChoice("", _l("Choose one"))] if blank else []
    return first + [SelectChoice(key, labels[key]) for key in ATTRIBUTES]


def contact_mode_choices():
    return [SelectChoice("email_or_phone", _l("Email or phone")), SelectChoice("email", _l("Email")),
            SelectChoice("phone", _l("Phone"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=JST).astimezone(UTC)


def kind_choices():
    return [SelectChoice(code, label) for code, label in KIND_LABELS.items()]


class WorkshopForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Enter a title.")), Length(max=200, message=_l("Keep it within %(max)d characters."))])
    kind = SelectField(_l("Kind of event"), choices=kind_choices, default="workshop", validate_choice=False)
    theme = StringField(_l("Theme"), validators=[Optional(), Length(max=200)])
    content = TextAreaField(_l("Content (Markdown)"), validators=[
        Optional(), Length(max=CONTENT_MAX, message=_l("Keep it within %(max)d characters."))])
    day = DateField(_l("Date held"), validators=[DataRequired(_l("Enter the date."))])
    start_time = TimeField(_l("Starts at"), validators=[DataRequired(_l("Enter the starting time."))])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired(_l("Enter the ending time."))])
    venue_name = StringField(_l("Venue"), validators=[DataRequired(_l("Enter the venue.")), Length(max=200)])
    venue_address = StringField(_l("Venue address"), validators=[Optional(), Length(max=300)])
    venue_access = TextAreaField(_l("Access"), validators=[Optional(), Length(max=2000)])
    venue_accessibility = TextAreaField(_l("Accessibility of the venue"), validators=[Optional(), Length(max=2000)])
    online_url = URLField(_l("Online link"), validators=[
        Optional(), Length(max=500), URL(message=_l("Enter a web address starting with https://."))])
    capacity = IntegerField(_l("Capacity (people)"), validators=[
        DataRequired(_l("Enter the capacity.")),
        NumberRange(1, 10000, _l("Enter a number between %(min)d and %(max)d."))])
    max_party_size = IntegerField(_l("Most people per sign-up"), default=1, validators=[
        DataRequired(_l("Enter a number.")), NumberRange(1, 10, _l("Enter a number between %(min)d and %(max)d."))])
    eligibility = StringField(_l("Who may join"), validators=[Optional(), Length(max=500)])
    contact_mode = SelectField(_l("Contact asked for at sign-up"), choices=contact_mode_choices,
                               validate_choice=False)
    signup_opens_at = DateTimeLocalField(_l("Sign-up opens"), format="%Y-%m-%dT%H:%M",
                                         validators=[DataRequired(_l("Enter when sign-up opens."))])
    signup_closes_at = DateTimeLocalField(_l("Sign-up closes"), format="%Y-%m-%dT%H:%M",
                                          validators=[DataRequired(_l("Enter when sign-up closes."))])
    question_1 = StringField(_l("Question at sign-up (optional)"), validators=[Optional(), Length(max=300)])
    question_2 = StringField(_l("Second question (optional)"), validators=[Optional(), Length(max=300)])
    note_kinds = TextAreaField(_l("Kinds of notes"), default="\n".join(DEFAULT_NOTE_KINDS),
                               validators=[DataRequired(_l("Enter at least one kind."))])
    facilitators = MultiCheckboxField(_l("Facilitators"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, facilitator_users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.facilitators.choices = [SelectChoice(user.id, user.label) for user in facilitator_users]

    def validate_online_url(self, field):
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Enter a web address starting with https://."))

    def validate_kind(self, field):
        if field.data not in KINDS:
            raise ValidationError(_l("Choose from the list."))

    def validate_contact_mode(self, field):
        if field.data not in CONTACT_MODES:
            raise ValidationError(_l("Choose from the list."))

    def validate_note_kinds(self, field):
        kinds = self.kinds()
        if not kinds:
            raise ValidationError(_l("Enter at least one kind."))
        if len(kinds) > 10 or any(len(kind) > 50 for kind in kinds):
            raise ValidationError(_l("Use at most 10 kinds of at most 50 characters each."))

    def validate_facilitators(self, field):
        allowed = {choice.value for choice in self.facilitators.choices}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError(_l("Choose facilitators from the list."))

    def kinds(self) -> list[str]:
        lines = [line.strip() for line in (self.note_kinds.data or "").splitlines()]
        return list(dict.fromkeys(line for line in lines if line))

    def workshop_data(self) -> dict:
        day = self.day.data
        return {
            "title": self.title.data.strip(),
            "kind": self.kind.data,
            "theme": (self.theme.data or "").strip(),
            "content": self.content.data or "",
            "starts_at": _utc(datetime.combine(day, self.start_time.data)),
            "ends_at": _utc(datetime.combine(day, self.end_time.data)),
            "venue_name": self.venue_name.data.strip(),
            "venue_address": (self.venue_address.data or "").strip(),
            "venue_access": self.venue_access.data or "",
            "venue_accessibility": self.venue_accessibility.data or "",
            "online_url": (self.online_url.data or "").strip(),
            "capacity": self.capacity.data,
            "max_party_size": self.max_party_size.data,
            "eligibility": (self.eligibility.data or "").strip(),
            "contact_mode": self.contact_mode.data,
            "signup_opens_at": _utc(self.signup_opens_at.data),
            "signup_closes_at": _utc(self.signup_closes_at.data),
            "question_1": (self.question_1.data or "").strip(),
            "question_2": (self.question_2.data or "").strip(),
            "note_kinds": self.kinds(),
        }

    @staticmethod
    def initial(workshop) -> dict:
        start, end = to_jst(workshop.starts_at), to_jst(workshop.ends_at)
        data = {key: getattr(workshop, key) for key in (
            "title", "kind", "theme", "content", "venue_name", "venue_address", "venue_access", "venue_accessibility",
            "online_url", "capacity", "max_party_size", "eligibility", "contact_mode", "question_1", "question_2")}
        return data | {
            "day": start.date(), "start_time": start.time(), "end_time": end.time(),
            "signup_opens_at": to_jst(workshop.signup_opens_at).replace(tzinfo=None),
            "signup_closes_at": to_jst(workshop.signup_closes_at).replace(tzinfo=None),
            "note_kinds": "\n".join(workshop.note_kinds),
            "facilitators": [user.id for user in workshop.facilitators],
        }


class RegistrationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter your name.")), Length(max=100, message=_l("Keep it within %(max)d characters."))])
    email = EmailField(_l("Email address"), validators=[
        Optional(), Email(_l("Enter a valid email address.")), Length(max=255)])
    phone = TelField(_l("Phone number"), validators=[
        Optional(), Length(max=20),
        Regexp(r"^[0-9０-９+＋\-－ー() ]{6,20}$", message=_l("Enter a phone number, for example 083-231-1111."))])
    attribute = SelectField(_l("You are"), choices=attribute_choices, validate_choice=False,
                            validators=[DataRequired(_l("Choose one."))])
    party_size = IntegerField(_l("Number of people including you"), default=1)
    answer_1 = TextAreaField(validators=[Optional(), Length(max=1000)])
    answer_2 = TextAreaField(validators=[Optional(), Length(max=1000)])
    wheelchair = BooleanField(_l("I use a wheelchair"))
    sign_language = BooleanField(_l("I need sign language interpretation"))
    writing = BooleanField(_l("I need writing interpretation (要約筆記)"))
    childcare = BooleanField(_l("I need childcare during the workshop"))
    accommodation_note = TextAreaField(_l("Anything else we should prepare"), validators=[Optional(), Length(max=500)])
    form_key = HiddenField()
    submit = SubmitField(_l("Sign up"))

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop
        if workshop.max_party_size > 1:
            self.party_size.validators = [DataRequired(_l("Enter the number of people.")), NumberRange(
                1, workshop.max_party_size, _l("Up to %(max)d people can sign up together."))]
        else:
            del self.party_size
        for number in (1, 2):
            question = getattr(workshop, f"question_{number}")
            if question:
                getattr(self, f"answer_{number}").label.text = question
            else:
                delattr(self, f"answer_{number}")
        self.email.flags.required = workshop.contact_mode == "email"
        self.phone.flags.required = workshop.contact_mode == "phone"

    def validate_attribute(self, field):
        if field.data not in ATTRIBUTES:
            raise ValidationError(_l("Choose one."))

    def validate_email(self, field):
        if self.workshop.contact_mode == "email" and not field.data:
            raise ValidationError(_l("Enter your email address."))
        if self.workshop.contact_mode == "email_or_phone" and not field.data and not self.phone.data:
            raise ValidationError(_l("Enter an email address or a phone number."))

    def validate_phone(self, field):
        if self.workshop.contact_mode == "phone" and not field.data:
            raise ValidationError(_l("Enter your phone number."))

    def registration_data(self, locale: str) -> dict:
        return {
            "name": self.name.data.strip(),
            "email": (self.email.data or "").strip().lower(),
            "phone": (self.phone.data or "").strip(),
            "attribute": self.attribute.data,
            "party_size": self.party_size.data if "party_size" in self else 1,
            "answer_1": self.answer_1.data.strip() if "answer_1" in self and self.answer_1.data else "",
            "answer_2": self.answer_2.data.strip() if "answer_2" in self and self.answer_2.data else "",
            "locale": locale,
            "form_key": (self.form_key.data or "")[:64],
            "accommodation": {
                "wheelchair": self.wheelchair.data, "sign_language": self.sign_language.data,
                "writing": self.writing.data, "childcare": self.childcare.data,
                "note": (self.accommodation_note.data or "").strip(),
            },
        }


class CapacityForm(FlaskForm):
    capacity = IntegerField(_l("Capacity (people)"), validators=[
        DataRequired(_l("Enter the capacity.")),
        NumberRange(1, 10000, _l("Enter a number between %(min)d and %(max)d."))])
    submit = SubmitField(_l("Change capacity"))


class CancelWorkshopForm(FlaskForm):
    reason = StringField(_l("Reason (sent to participants)"), validators=[
        DataRequired(_l("Enter the reason.")), Length(max=500)])
    submit = SubmitField(_l("Cancel this workshop"))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels with it."""

    submit = SubmitField()
