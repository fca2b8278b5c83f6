from datetime import UTC, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.timeutil import JST, to_jst
from app.periods.models import FIELD_RULES, SUBMITTER_FIELDS, default_field_rules

END_OF_DAY = time(23, 59, 59)
CHANNEL_ADDRESS_FIELDS = {"email": "email_address", "fax": "fax_number", "post": "postal_address",
                          "in_person": "desk"}
MB = 1024 * 1024


def field_rule_choices():
    labels = {"required": _l("Required"), "optional": _l("Optional"), "hidden": _l("Not asked")}
    return [(rule, labels[rule]) for rule in FIELD_RULES]


def submitter_field_labels():
    return {"name": _l("Name"), "address": _l("Address"), "attribute": _l("Relation to the city"),
            "email": _l("Email address"), "phone": _l("Phone number")}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PeriodForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Enter a title.")), Length(max=200, message=_l("Keep the title within %(max)d characters."))])
    description = TextAreaField(_l("Description (Markdown)"), validators=[
        Optional(), Length(max=20000, message=_l("Keep the description within %(max)d characters."))])
    opens_on = DateField(_l("Opening day"), validators=[DataRequired(_l("Enter the opening day."))])
    opens_time = TimeField(_l("Opening time"), validators=[Optional()])
    closes_on = DateField(_l("Last day"), validators=[DataRequired(_l("Enter the last day."))])
    closes_time = TimeField(_l("Closing time"), validators=[Optional()])
    short_period_reason = TextAreaField(_l("Reason for a shorter period"), validators=[
        Optional(), Length(max=2000, message=_l("Keep the reason within %(max)d characters."))])
    extension_reason = TextAreaField(_l("Reason for the extension"), validators=[
        Optional(), Length(max=2000, message=_l("Keep the reason within %(max)d characters."))])
    viewing_places = TextAreaField(_l("Viewing places (one per line)"), validators=[Optional(), Length(max=5000)])
    eligibility = MultiCheckboxField(_l("Who may submit"), validators=[Optional()])
    accept_web = BooleanField(_l("Web form"))
    accept_email = BooleanField(_l("Email"))
    email_address = StringField(_l("Email address for opinions"), validators=[
        Optional(), Email(_l("Enter a valid email address.")), Length(max=255)])
    accept_fax = BooleanField(_l("FAX"))
    fax_number = StringField(_l("FAX number"), validators=[
        Optional(), Regexp(r"^[0-9０-９\-‐－() ]{6,20}$", message=_l("Enter a FAX number such as 083-231-1111.")),
    ])
    accept_post = BooleanField(_l("Post"))
    postal_address = TextAreaField(_l("Postal address"), validators=[Optional(), Length(max=500)])
    accept_in_person = BooleanField(_l("In person"))
    desk = TextAreaField(_l("Desk where opinions can be handed in"), validators=[Optional(), Length(max=500)])
    contact_department = StringField(_l("Department to contact"), validators=[Optional(), Length(max=100)])
    contact = TextAreaField(_l("Contact details"), validators=[Optional(), Length(max=1000)])
    rule_name = SelectField(_l("Name"))
    rule_address = SelectField(_l("Address"))
    rule_attribute = SelectField(_l("Relation to the city"))
    rule_email = SelectField(_l("Email address"))
    rule_phone = SelectField(_l("Phone number"))
    body_max_length = IntegerField(_l("Maximum length of one opinion (characters)"), default=4000, validators=[
        DataRequired(_l("Enter a number.")),
        NumberRange(100, 20000, _l("Enter a number between %(min)d and %(max)d."))])
    max_attachments = IntegerField(_l("Attachments allowed per submission"), default=3, validators=[
        Optional(), NumberRange(0, 10, _l("Enter a number between %(min)d and %(max)d."))])
    max_attachment_mb = IntegerField(_l("Largest attachment (MB)"), default=10, validators=[
        DataRequired(_l("Enter a number.")), NumberRange(1, 20, _l("Enter a number between %(min)d and %(max)d."))])
    receipt_prefix = StringField(_l("Receipt number prefix"), validators=[
        Optional(), Regexp(r"^[A-Z0-9]{1,8}$", message=_l("Use up to 8 capital letters or digits."))])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, attributes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.eligibility.choices = attributes
        for name in SUBMITTER_FIELDS:
            getattr(self, f"rule_{name}").choices = field_rule_choices()

    @classmethod
    def for_period(cls, period, **kwargs) -> "PeriodForm":
        """Prefilled from a period; times left blank when they are the defaults."""
        opens, closes = to_jst(period.opens_at), to_jst(period.closes_at)
        data = {
            "title": period.title, "description": period.description,
            "opens_on": opens.date(), "opens_time": None if opens.time() == time(0) else opens.time(),
            "closes_on": closes.date(), "closes_time": None if closes.time() == END_OF_DAY else closes.time(),
            "short_period_reason": period.short_period_reason,
            "viewing_places": "\n".join(period.viewing_places), "eligibility": period.eligibility,
            "contact_department": period.contact_department, "contact": period.contact,
            "body_max_length": period.body_max_length, "max_attachments": period.max_attachments,
            "max_attachment_mb": max(1, period.max_attachment_bytes // MB), "receipt_prefix": period.receipt_prefix,
        }
        data.update({f"rule_{name}": rule for name, rule in {**default_field_rules(), **period.field_rules}.items()})
        data["accept_web"] = "web" in period.channels
        for channel, field in CHANNEL_ADDRESS_FIELDS.items():
            data[f"accept_{channel}"] = channel in period.channels
            data[field] = period.channels.get(channel, "")
        return cls(data=data, **kwargs)

    def validate_closes_on(self, field):
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The last day must not be before the opening day."))

    def validate_accept_web(self, field):
        if not any(getattr(self, f"accept_{channel}").data for channel in ("web", *CHANNEL_ADDRESS_FIELDS)):
            raise ValidationError(_l("Accept opinions through at least one channel."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        messages = {"email_address": _l("Enter the email address that receives opinions."),
                    "fax_number": _l("Enter the FAX number that receives opinions."),
                    "postal_address": _l("Enter the postal address for opinions."),
                    "desk": _l("Enter where opinions can be handed in.")}
        for channel, name in CHANNEL_ADDRESS_FIELDS.items():
            field = getattr(self, name)
            if getattr(self, f"accept_{channel}").data and not (field.data or "").strip() and not field.errors:
                field.errors = [*field.errors, messages[name]]
                valid = False
        return valid

    def period_data(self) -> dict:
        opens_at = datetime.combine(self.opens_on.data, self.opens_time.data or time(0), JST).astimezone(UTC)
        closes_at = datetime.combine(self.closes_on.data, self.closes_time.data or END_OF_DAY, JST).astimezone(UTC)
        channels = {"web": ""} if self.accept_web.data else {}
        for channel, name in CHANNEL_ADDRESS_FIELDS.items():
            if getattr(self, f"accept_{channel}").data:
                channels[channel] = getattr(self, name).data.strip()
        return {
            "title": self.title.data.strip(),
            "description": self.description.data or "",
            "opens_at": opens_at,
            "closes_at": closes_at,
            "short_period_reason": (self.short_period_reason.data or "").strip(),
            "viewing_places": _lines(self.viewing_places.data),
            "eligibility": list(self.eligibility.data or []),
            "channels": channels,
            "field_rules": {name: getattr(self, f"rule_{name}").data for name in SUBMITTER_FIELDS},
            "contact_department": (self.contact_department.data or "").strip(),
            "contact": (self.contact.data or "").strip(),
            "body_max_length": self.body_max_length.data,
            "max_attachments": self.max_attachments.data or 0,
            "max_attachment_bytes": self.max_attachment_mb.data * MB,
            "receipt_prefix": self.receipt_prefix.data or "",
        }


class ActionForm(FlaskForm):
    """A bare button (schedule, back to draft, delete a document): only the CSRF token matters."""


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason for withdrawing"), validators=[
        DataRequired(_l("Enter the reason for withdrawing.")), Length(max=2000)])
    submit = SubmitField(_l("Withdraw this period"))


class DocumentForm(FlaskForm):
    title = StringField(_l("Document title"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("PDF file"))
    submit = SubmitField(_l("Upload"))


class SectionRowForm(Form):
    id = HiddenField()
    label = StringField(_l("Label"), validators=[Optional(), Length(max=50)])
    title = StringField(_l("Section title"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Section text (optional)"), validators=[Optional(), Length(max=20000)])


class SectionsForm(FlaskForm):
    rows = FieldList(FormField(SectionRowForm), min_entries=1, max_entries=200)
    submit = SubmitField(_l("Save sections"))


class SettingsForm(FlaskForm):
    min_days = IntegerField(_l("Minimum length of a comment period (days)"), validators=[
        DataRequired(_l("Enter a number.")), NumberRange(1, 365, _l("Enter a number between %(min)d and %(max)d."))])
    attributes = TextAreaField(_l("Who may submit: one per line, code, label and English label"), validators=[
        DataRequired(_l("Enter at least one line.")), Length(max=5000)])
    reason = StringField(_l("Reason for the change"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save settings"))

    def validate_attributes(self, field):
        import re

        seen = set()
        for line in _lines(field.data):
            code, _, label = line.partition(" ")
            label, _, english = label.partition("|")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", code) or not label.strip():
                raise ValidationError(_l("Write each line as a code (a-z, 0-9, _) then a space and the label: %(line)s",
                                         line=line))
            if len(label.strip()) > 50 or len(english.strip()) > 50:
                raise ValidationError(_l("Keep each label within 50 characters: %(line)s", line=line))
            if code in seen:
                raise ValidationError(_l("The code %(code)s appears twice.", code=code))
            seen.add(code)

    def attribute_entries(self) -> list[list[str]]:
        """[code, Japanese label, English label] per line: ``resident 在住 | Lives in the city``."""
        entries = []
        for line in _lines(self.attributes.data):
            code, _, labels = line.partition(" ")
            label, _, english = labels.partition("|")
            entries.append([code, label.strip(), english.strip()])
        return entries
