import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, StopValidation, ValidationError

from app.core.text import strip_bidi
from app.periods.labels import CHANNEL_LABELS, attribute_labels
from app.periods.models import SUBMITTER_FIELDS, default_field_rules
from app.submissions.services import PAPER_CHANNELS, Entry, Received, Submitter

MAX_ENTRIES = 20


def clean_text(value: str | None) -> str:
    """One kind of newline (so the count matches what the person sees), no blank ends, and no
    bidirectional controls, so that a text of nothing but those is empty when it is checked."""
    return strip_bidi(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def one_line(value: str | None) -> str:
    return " ".join(strip_bidi(value or "").split())


class EntryForm(Form):
    section = SelectField(_l("Part of the draft"), validate_choice=False)
    body = TextAreaField(_l("Your opinion"), filters=[clean_text])


class _BaseSubmissionForm(FlaskForm):
    """Submitter details, then one or more opinions, each optionally pointing at a section."""

    name = StringField(_l("Name"), filters=[one_line], validators=[
        Optional(), Length(max=100, message=_l("Keep this within %(max)d characters."))])
    address = StringField(_l("Address"), filters=[one_line], validators=[
        Optional(), Length(max=300, message=_l("Keep this within %(max)d characters."))])
    attribute = SelectField(_l("Relation to the city"), validate_choice=False)
    email = EmailField(_l("Email address"), filters=[one_line], validators=[
        Optional(), Email(_l("Enter a valid email address, such as name@example.jp.")), Length(max=255)])
    phone = StringField(_l("Phone number"), filters=[one_line], validators=[
        Optional(), Regexp(r"^[0-9０-９+\-‐－() ]{6,20}$", message=_l("Enter a phone number such as 083-231-1111."))])
    entries = FieldList(FormField(EntryForm), min_entries=1, max_entries=MAX_ENTRIES)
    add_entry = SubmitField(_l("Add another opinion"))

    def __init__(self, *args, period, **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period
        self.section_ids = {section.id for section in period.sections}
        self.section_choices = [SelectChoice("", _l("Not about a particular section"))] + [
            SelectChoice(str(section.id), section.display) for section in period.sections]
        for entry in self.entries:
            entry.form.section.choices = self.section_choices

    def choose_section(self, value: str) -> None:
        """The first opinion starts on the section a link chose (「この箇所について意見を書く」 on the
        plan's text); anything but one of this period's sections is ignored."""
        if value.isdigit() and int(value) in self.section_ids:
            self.entries[0].form.section.data = value

    def append_entry(self) -> None:
        if len(self.entries) < MAX_ENTRIES:
            self.entries.append_entry()
            self.entries[-1].form.section.choices = self.section_choices

    def attribute_label(self):
        """The label of the relation to the city chosen, as the confirmation page shows it."""
        return next((choice.label for choice in self.attribute.choices if choice.value == self.attribute.data), "")

    def given_entries(self) -> list[tuple[int, Entry]]:
        """The opinion blocks someone used (a block with neither section nor text is left out)."""
        result = []
        for index, entry in enumerate(self.entries):
            body, section = entry.form.body.data or "", entry.form.section.data or ""
            if body or section:
                result.append((index, Entry(body=body, section_id=int(section) if section.isdigit() else None)))
        return result

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if "attribute" in self and self.attribute.data and self.attribute.data not in {
                choice.value for choice in self.attribute.choices}:
            self.attribute.errors = [_l("Choose one of the options.")]
            valid = False
        given = self.given_entries()
        if not given:
            self.entries[0].form.body.errors = [_l("Write your opinion.")]
            return False
        for index, entry in given:
            body_field = self.entries[index].form.body
            if entry.section_id is None and entry.body and self.entries[index].form.section.data:
                self.entries[index].form.section.errors = [_l("Choose a section of this draft.")]
                valid = False
            if entry.section_id is not None and entry.section_id not in self.section_ids:
                self.entries[index].form.section.errors = [_l("Choose a section of this draft.")]
                valid = False
            if not entry.body:
                body_field.errors = [_l("Write your opinion, or choose no section for this block.")]
                valid = False
            elif len(entry.body) > self.period.body_max_length:
                body_field.errors = [_l("This opinion is %(count)d characters long; the limit is %(max)d. "
                                        "Shorten it by %(over)d characters or split it into two opinions.",
                                        count=len(entry.body), max=self.period.body_max_length,
                                        over=len(entry.body) - self.period.body_max_length)]
                valid = False
        return valid

    def received(self, files=()) -> Received:
        """What the service needs: the details asked, the opinions given, the checked files."""
        values = {name: (self[name].data or "") if name in self else "" for name in SUBMITTER_FIELDS}
        return Received(submitter=Submitter(**values), entries=[entry for _, entry in self.given_entries()],
                        files=list(files))


class SubmissionForm(_BaseSubmissionForm):
    """The citizen's web form; the period says which details are asked and which are required."""

    homepage = StringField(_l("Leave this field empty"))  # a honeypot: people never see or fill it
    consent = BooleanField(_l("I understand that my opinion will be published as a summary together with the "
                              "city's view, without my name or other personal details."))
    idempotency_key = HiddenField()
    attachments = MultipleFileField(_l("Attachments (optional)"))
    confirm = SubmitField(_l("Check your entries"))
    send = SubmitField(_l("Send"))
    edit = SubmitField(_l("Change your entries"))

    def __init__(self, *args, period, **kwargs):
        super().__init__(*args, period=period, **kwargs)
        rules = {**default_field_rules(), **period.field_rules}
        labels = attribute_labels()
        eligible = [code for code in period.eligibility if code in labels] or list(labels)
        self.attribute.choices = [SelectChoice("", _l("Choose one"))] + [SelectChoice(code, labels[code]) for code in eligible]
        self.rules = rules
        for name in SUBMITTER_FIELDS:
            if rules[name] == "hidden":
                delattr(self, name)
            elif rules[name] == "required":
                self[name].flags.required = True

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        messages = {"name": _l("Enter your name."), "address": _l("Enter your address."),
                    "attribute": _l("Choose your relation to the city."), "email": _l("Enter your email address."),
                    "phone": _l("Enter your phone number.")}
        for name in SUBMITTER_FIELDS:
            if self.rules[name] == "required" and not self[name].data and not self[name].errors:
                self[name].errors = [messages[name]]
                valid = False
        if not self.consent.data:
            self.consent.errors = [_l("Please confirm that you understand how your opinion will be published.")]
            valid = False
        return valid

    @property
    def is_spam(self) -> bool:
        return bool(self.homepage.data)


_ENTRY_KEY = re.compile(r"^entries-(0|[1-9][0-9]?)-(body|section)$")
_FALSE = ("", "false")


def _checked(validators, value: str, raw: str) -> bool:
    """Whether ``value`` (``raw`` once filtered) passes the form's own validators of a field (an
    Optional one stops on a blank ``raw``, as on the form)."""
    field = _StandIn(value, raw)
    try:
        for validator in validators:
            validator(None, field)
    except StopValidation:
        return True
    except ValidationError:
        return False
    return True


class _StandIn:
    """What WTForms' validators read of a field: its data, its raw data, its errors."""

    def __init__(self, value: str, raw: str):
        self.data, self.raw_data, self.errors = value, [raw], []

    def gettext(self, string):
        return string

    def ngettext(self, singular, plural, n):
        return singular if n == 1 else plural


def quick_received(period, formdata) -> Received | None:
    """A send's entries read and checked without binding ``SubmissionForm`` (its ~17 fields cost a send
    more CPU than its SQL, bench/README.md): what the confirm page posts on is almost always valid.

    None whenever anything is not plainly valid, or not plain (a field given twice, entries numbered
    other than 0, 1, 2 …, the honeypot filled): the caller then builds the form, which refuses or
    accepts it and says why. What this accepts, the form accepts with the same ``received()``
    (tests/submissions/test_quick_send.py checks both on the same inputs)."""
    rules = {**default_field_rules(), **period.field_rules}
    if formdata.get("homepage") or formdata.get("consent", "") in _FALSE:
        return None
    values = {}
    for name in SUBMITTER_FIELDS:
        raw = formdata.getlist(name)
        if rules[name] == "hidden":
            values[name] = ""
            continue
        if len(raw) > 1:
            return None
        if name == "attribute":
            value = raw[0] if raw else ""
            labels = attribute_labels()
            if value and value not in ([code for code in period.eligibility if code in labels] or labels):
                return None
        else:
            value = one_line(raw[0] if raw else "")
            if raw and not _checked(_VALIDATORS[name], value, raw[0]):
                return None
        if rules[name] == "required" and not value:
            return None
        values[name] = value
    given: dict[int, dict[str, str]] = {}
    for key in formdata:
        if key.startswith("entries-"):
            match = _ENTRY_KEY.match(key)
            if match is None or len(formdata.getlist(key)) > 1:
                return None
            given.setdefault(int(match.group(1)), {})[match.group(2)] = formdata[key]
    if not given or sorted(given) != list(range(len(given))) or len(given) > MAX_ENTRIES:
        return None
    section_ids = period.section_ids() if any(value.get("section") for value in given.values()) else set()
    entries = []
    for index in range(len(given)):
        body, section = clean_text(given[index].get("body")), given[index].get("section") or ""
        if not (body or section):
            continue
        if not body or len(body) > period.body_max_length:
            return None
        if section and not (section.isdigit() and int(section) in section_ids):
            return None
        entries.append(Entry(body=body, section_id=int(section) if section else None))
    if not entries:
        return None
    return Received(submitter=Submitter(**values), entries=entries)


class PaperSubmissionForm(_BaseSubmissionForm):
    """Staff typing in an opinion that came by email, FAX, post or at the desk."""

    channel = SelectField(_l("Received by"), validators=[DataRequired(_l("Choose how it was received."))])
    received_on = DateField(_l("Date received (postmark or desk date)"),
                            validators=[DataRequired(_l("Enter the date received, such as 2025-11-06."))])
    scans = MultipleFileField(_l("Scans of the original (PDF, JPEG or PNG)"))
    idempotency_key = HiddenField()
    submit = SubmitField(_l("Save and issue a receipt number"))

    def __init__(self, *args, period, **kwargs):
        super().__init__(*args, period=period, **kwargs)
        self.channel.choices = [SelectChoice("", _l("Choose one"))] + [SelectChoice(c, CHANNEL_LABELS[c]) for c in PAPER_CHANNELS]
        labels = attribute_labels()
        self.attribute.choices = [SelectChoice("", _l("Not given"))] + [SelectChoice(code, label) for code, label in labels.items()]

    def validate_channel(self, field):
        if field.data not in PAPER_CHANNELS:
            raise ValidationError(_l("Choose how it was received."))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"))
    submit = SubmitField(_l("Check and import"))

    def validate_file(self, field):
        if not field.data or not field.data.filename:
            raise ValidationError(_l("Choose a CSV or XLSX file."))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels with it."""

    submit = SubmitField()


# The validators ``quick_received`` applies: the very ones the form's fields declare.
_VALIDATORS = {name: SubmissionForm.__dict__.get(name) or getattr(_BaseSubmissionForm, name)
               for name in ("name", "address", "email", "phone")}
_VALIDATORS = {name: unbound.kwargs.get("validators", []) for name, unbound in _VALIDATORS.items()}
