from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
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
