from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import ValidationError

from app.plantext.docx import DocxError, docx_text
from app.plantext.services import MAX_TEXT_CHARS

MAX_FILE_BYTES = 1_000_000
MAX_DOCX_BYTES = 10_000_000


class ImportForm(FlaskForm):
    """The plan's text pasted, or a UTF-8 text or Markdown file or a Word document; one of the three."""

    text = TextAreaField(_l("Plan text (Markdown or plain text)"))
    file = FileField(_l("Or a file (.docx, or .md or .txt in UTF-8)"))
    submit = SubmitField(_l("Import the text"))

    def validate_file(self, field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        name = upload.filename.lower()
        if name.endswith((".docx", ".docm")):
            self._read_docx(upload)
            return
        if not name.endswith((".md", ".txt", ".markdown")):
            raise ValidationError(_l("Choose a .docx, .md or .txt file."))
        data = upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError(_l("The file is larger than 1 MB."))
        try:
            self.file_text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_l("Save the file as UTF-8 text and choose it again.")) from None

    def _read_docx(self, upload) -> None:
        """The Word file read into the text box too, so that a line named in an error can be found."""
        if upload.filename.lower().endswith(".docm"):
            raise ValidationError(DocxError("macro").message)
        data = upload.read(MAX_DOCX_BYTES + 1)
        if len(data) > MAX_DOCX_BYTES:
            raise ValidationError(_l("The Word file is larger than 10 MB."))
        try:
            self.file_text = self.text.data = docx_text(data)
        except DocxError as error:
            raise ValidationError(error.message) from None

    def validate_text(self, field) -> None:
        if len(field.data or "") > MAX_TEXT_CHARS:
            raise ValidationError(_l("Keep the text within %(max)d characters.", max=MAX_TEXT_CHARS))

    def given_text(self) -> str:
        """The file's text when a file was chosen, else what was pasted."""
        return getattr(self, "file_text", None) or self.text.data or ""


class PublishVersionForm(FlaskForm):
    submit = SubmitField(_l("Publish this version"))
