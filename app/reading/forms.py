from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from app.reading.ruby import KANJI
from app.reading.services import is_reading, normalise_reading


class ReadingEntryForm(FlaskForm):
    surface = StringField(_l("Word as written"), validators=[
        DataRequired(_l("Enter the word as it is written, e.g. 下関.")), Length(max=40)])
    reading = StringField(_l("Reading (hiragana)"), validators=[
        DataRequired(_l("Enter how the word is read, in hiragana, e.g. しものせき.")), Length(max=80)])
    note = StringField(_l("Note (place name, group name …)"), validators=[Length(max=200)])

    def validate_surface(self, field) -> None:
        if any(char in field.data for char in "<>&\"'") or any(char.isspace() for char in field.data.strip()):
            raise ValidationError(_l("Enter one word without spaces or the characters < > & \" '."))

    def validate_reading(self, field) -> None:
        if not is_reading(normalise_reading(field.data)):
            raise ValidationError(_l("Write the reading in hiragana only (ー allowed), e.g. しものせき."))
        if not KANJI.search(self.surface.data or "") and normalise_reading(field.data) != normalise_reading(
                self.surface.data or ""):
            raise ValidationError(_l("A word written in kana is read as written: enter the same kana as the reading."))


class GlossaryTermForm(FlaskForm):
    term = StringField(_l("Word"), validators=[
        DataRequired(_l("Enter the word as it is written, e.g. 協働.")), Length(max=40)])
    reading = StringField(_l("Reading (hiragana; may be left empty for a word in kana)"), validators=[Length(max=80)])
    explanation = TextAreaField(_l("Explanation in easy Japanese (やさしい日本語)"), validators=[
        DataRequired(_l("Explain the word in easy Japanese, in one or two short sentences.")), Length(max=400)])

    def validate_term(self, field) -> None:
        if any(char in field.data for char in "<>&\"'") or "\n" in field.data:
            raise ValidationError(_l("Enter one word or phrase without the characters < > & \" '."))

    def validate_reading(self, field) -> None:
        if field.data and field.data.strip() and not is_reading(normalise_reading(field.data)):
            raise ValidationError(_l("Write the reading in hiragana only (ー allowed), e.g. きょうどう."))


class GlossaryEditForm(GlossaryTermForm):
    """The word itself is not changed: a renamed word is another entry."""

    term = None


class EasySummaryForm(FlaskForm):
    text = TextAreaField(_l("Summary in easy Japanese (やさしい日本語)"), validators=[Length(max=600)],
                         description=_l("Short sentences of 50 characters or fewer, common kanji only. "
                                        "Leave empty to show no summary."))
