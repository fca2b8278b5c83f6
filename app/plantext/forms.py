from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import ValidationError

from app.plantext.services import MAX_TEXT_CHARS

MAX_FILE_BYTES = 1_000_000


class ImportForm(FlaskForm):
    """The plan's text pasted, or a UTF-8 text or Markdown file; one of the two."""

    text = TextAreaField(_l("Plan text (Markdown or plain text)"))
    file = FileField(_l("Or a text file (.md or .txt, UTF-8)"))
    submit = SubmitField(_l("Import the text"))

    def validate_file(self, field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        if not upload.filename.lower().endswith((".md", ".txt", ".markdown")):
            raise ValidationError(_l("Choose a .md or .txt file."))
        data = upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError(_l("The file is larger than 1 MB."))
        try:
            self.file_text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_l("Save the file as UTF-8 text and choose it again.")) from None

    def validate_text(self, field) -> None:
        if len(field.data or "") > MAX_TEXT_CHARS:
            raise ValidationError(_l("Keep the text within %(max)d characters.", max=MAX_TEXT_CHARS))

    def given_text(self) -> str:
        """The file's text when a file was chosen, else what was pasted."""
        return getattr(self, "file_text", None) or self.text.data or ""


class PublishVersionForm(FlaskForm):
    submit = SubmitField(_l("Publish this version"))
