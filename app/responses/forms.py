from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.responses import results, services


class ResponseForm(FlaskForm):
    body = TextAreaField(
        _l("The city's view (Markdown)"),
        validators=[Optional(), Length(max=services.BODY_MAX, message=_l("Keep it within %(max)d characters."))],
    )
    category = SelectField(_l("Reflection category"), validate_choice=False)
    submit = SubmitField(_l("Save draft"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("Not chosen yet"))] + [
            SelectChoice(code, f"{code} {label}") for code, label in services.categories()
        ]

    def validate_category(self, field):
        if field.data and field.data not in services.category_labels():
            raise ValidationError(_l("Choose a reflection category from the list."))


class ChangeForm(FlaskForm):
    section = SelectField(_l("Part of the draft"), coerce=int, validate_choice=False)
    before = TextAreaField(_l("Before"), validators=[Optional(), Length(max=services.CHANGE_MAX)])
    after = TextAreaField(_l("After"), validators=[Optional(), Length(max=services.CHANGE_MAX)])
    submit = SubmitField(_l("Add the change"))

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.section.choices = [SelectChoice(0, _l("The draft as a whole"))] + [
            SelectChoice(s.id, s.display) for s in sections]

    def validate_after(self, field):
        if not (field.data or "").strip() and not (self.before.data or "").strip():
            raise ValidationError(_l("Enter the text before or after the change."))


class CopyForm(FlaskForm):
    source = SelectField(_l("Start from the answer to"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Copy into this draft"))

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [SelectChoice(response.id, label) for response, label in sources]


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        _l("What needs to change"),
        validators=[DataRequired(_l("Say what needs to change, so the author can fix it.")),
                    Length(max=services.COMMENT_MAX)],
    )
    submit = SubmitField(_l("Return to the author"))


class ActionForm(FlaskForm):
    """A button that changes state; the CSRF token is all it carries."""

    submit = SubmitField()


class ApproveManyForm(FlaskForm):
    """Approve the answers ticked on the approver's list; the choices are the ids of answers this user may
    approve (one page of them to show; the ticked ones still waiting, to check)."""

    response_ids = SelectMultipleField(coerce=int, validators=[
        DataRequired(_l("Tick at least one answer to approve."))])
    submit = SubmitField(_l("Approve the ticked answers"))

    def __init__(self, *args, ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.response_ids.choices = [SelectChoice(i, str(i)) for i in ids]


class PublishForm(FlaskForm):
    """Publishing cannot be undone: the box must be ticked, so one stray click publishes nothing
    (and it works without JavaScript, unlike a confirm() dialog)."""

    confirm = BooleanField(_l("I have checked the preview. Publish it now: this cannot be undone."), validators=[
        DataRequired(_l("Tick the box to confirm that you have checked the preview and want to publish."))])
    submit = SubmitField(_l("Publish the result"))


class ResultForm(FlaskForm):
    title = StringField(_l("Title of the result"), validators=[
        DataRequired(_l("Enter the title.")), Length(max=results.TITLE_MAX)])
    draft_published_on = DateField(_l("Date the draft was published"), validators=[
        DataRequired(_l("Enter the date the draft was published."))])
    full_text_note = TextAreaField(_l("Where the full texts can be read"), validators=[
        Optional(), Length(max=results.NOTE_MAX)])
    introduction = TextAreaField(_l("Introduction (Markdown)"), validators=[
        Optional(), Length(max=results.INTRO_MAX)])
    submit = SubmitField(_l("Save"))


class ErratumForm(FlaskForm):
    location = StringField(_l("Where"), validators=[Optional(), Length(max=200)])
    before = TextAreaField(_l("Before"), validators=[Optional(), Length(max=results.NOTE_MAX)])
    after = TextAreaField(_l("After"), validators=[
        DataRequired(_l("Enter the corrected text.")), Length(max=results.NOTE_MAX)])
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Enter the reason for the correction.")), Length(max=results.NOTE_MAX)])
    submit = SubmitField(_l("Publish the correction"))


class CategoryRow(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(_l("Code"), validators=[Optional(), Length(max=8)])
    title = StringField(_l("Category name"), validators=[Optional(), Length(max=services.LABEL_MAX)])
    title_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=services.LABEL_MAX)])

    def validate_title(self, field):
        if (self.code.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Enter a label for this code."))

    def validate_code(self, field):
        code = (field.data or "").strip().upper()
        if code and not services.CATEGORY_CODE.match(code):
            raise ValidationError(_l("Use up to 8 capital letters or digits."))
        if not code and (self.title.data or "").strip():
            raise ValidationError(_l("Enter a code for this label."))


class CategoriesForm(FlaskForm):
    rows = FieldList(FormField(CategoryRow), min_entries=1)
    submit = SubmitField(_l("Save"))

    def entries(self) -> list[tuple[str, str, str]]:
        """(code, Japanese name, English name) of each filled row."""
        return [((row.code.data or "").strip().upper(), (row.title.data or "").strip(), (row.title_en.data or "").strip())
                for row in self.rows if (row.code.data or "").strip()]
