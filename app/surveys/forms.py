"""Staff forms of the survey builder. Each reads into plain values the services take."""

from datetime import UTC, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from app.core.timeutil import JST, to_jst
from app.surveys.labels import KIND_LABELS, SAMPLING_LABELS
from app.surveys.services import QuestionData

END_OF_DAY = time(23, 59, 59)


def _lines(text: str | None) -> list[str]:
    return [line.strip()[:200] for line in (text or "").splitlines() if line.strip()]


class SurveyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[Optional(), Length(max=5000)])
    method = StringField(_l("Survey method (as 表1 prints it)"), validators=[Optional(), Length(max=200)],
                         default="郵送法・無記名方式・一部Webでの回答")
    opens_on = DateField(_l("First day of answers"), validators=[DataRequired(_l("Enter the first day of answers."))])
    closes_on = DateField(_l("Last day of answers"), validators=[DataRequired(_l("Enter the last day of answers."))])
    uses_codes = BooleanField(_l("Answer codes: one answer per mailed form (a sample)"), default=True)
    min_answered = IntegerField(_l("Valid answer: at least this many questions answered"), default=1,
                                validators=[NumberRange(min=0, max=500, message=_l("Enter a number from 0 to 500."))])
    small_cell = IntegerField(_l("Counts below this are shown as “—” in public"), default=5,
                              validators=[NumberRange(min=1, max=100, message=_l("Enter a number from 1 to 100."))])
    save = SubmitField(_l("Save"))

    def validate_closes_on(self, field):
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The last day of answers must not be before the first."))

    @classmethod
    def data_of(cls, survey) -> dict:
        return {"title": survey.title, "purpose": survey.purpose, "method": survey.method,
                "opens_on": to_jst(survey.opens_at).date(), "closes_on": to_jst(survey.closes_at).date(),
                "uses_codes": survey.uses_codes, "min_answered": survey.min_answered, "small_cell": survey.small_cell}

    def survey_data(self) -> dict:
        return {"title": self.title.data.strip(), "purpose": (self.purpose.data or "").strip(),
                "method": (self.method.data or "").strip(),
                "opens_at": datetime.combine(self.opens_on.data, time(0), JST).astimezone(UTC),
                "closes_at": datetime.combine(self.closes_on.data, END_OF_DAY, JST).astimezone(UTC),
                "uses_codes": bool(self.uses_codes.data), "min_answered": self.min_answered.data,
                "small_cell": self.small_cell.data}


class GroupForm(FlaskForm):
    label = StringField(_l("Name of the target group"), validators=[DataRequired(_l("Enter the group's name.")), Length(max=100)])
    description = TextAreaField(_l("Who is asked (調査対象)"), validators=[Optional(), Length(max=1000)])
    sampling = SelectField(_l("How they were selected (抽出方法)"),
                           choices=[SelectChoice(code, label) for code, label in SAMPLING_LABELS.items()])
    distributed = IntegerField(_l("Forms sent (配布数)"), validators=[
        DataRequired(_l("Enter the number of forms sent.")),
        NumberRange(min=1, max=100000, message=_l("Enter a number from 1 to 100,000."))])
    add_group = SubmitField(_l("Add the target group"))


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Question kind"), choices=[SelectChoice(code, label) for code, label in KIND_LABELS.items()])
    text = TextAreaField(_l("Question"), validators=[DataRequired(_l("Enter the question.")), Length(max=2000)])
    required = BooleanField(_l("An answer is required"))
    choices = TextAreaField(_l("Choices, one per line (single and multiple choice)"), validators=[Optional()])
    has_other = BooleanField(_l("Add “Other ( )” with a text box as the last choice"))
    max_choices = IntegerField(_l("Most choices allowed (multiple choice; empty: no limit)"), validators=[Optional()])
    rows = TextAreaField(_l("Rows, one per line (matrix)"), validators=[Optional()])
    show_if_id = SelectField(_l("Show only if"), coerce=str, validators=[Optional()])
    show_if_choice = IntegerField(_l("…was answered with choice number"), validators=[Optional()])
    save = SubmitField(_l("Save question"))

    def __init__(self, *args, earlier=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.show_if_id.choices = [SelectChoice("", _l("Always shown"))] + [
            SelectChoice(str(question.id), f"Q{question.number} {question.text[:40]}") for question in earlier
            if question.kind == "single"]

    @classmethod
    def data_of(cls, question) -> dict:
        return {"kind": question.kind, "text": question.text, "required": question.required,
                "choices": "\n".join(question.choices), "has_other": question.has_other,
                "max_choices": question.max_choices, "rows": "\n".join(question.rows),
                "show_if_id": str(question.show_if_id or ""), "show_if_choice": question.show_if_choice}

    def question_data(self) -> QuestionData:
        return QuestionData(kind=self.kind.data, text=self.text.data.strip(), required=bool(self.required.data),
                            choices=_lines(self.choices.data), rows=_lines(self.rows.data),
                            max_choices=self.max_choices.data, has_other=bool(self.has_other.data),
                            show_if_id=int(self.show_if_id.data) if self.show_if_id.data else None,
                            show_if_choice=self.show_if_choice.data)


class ActionForm(FlaskForm):
    """A button that changes something: publish, copy, remove, move."""


class CodesForm(FlaskForm):
    group_id = SelectField(_l("Target group"), coerce=int)
    make = SubmitField(_l("Make codes and the printable sheet"))


class ReportForm(FlaskForm):
    notes = TextAreaField(_l("Notes shown with the report"), validators=[Optional(), Length(max=10000)])
    save = SubmitField(_l("Save"))
    publish = SubmitField(_l("Publish the report"))
    unpublish = SubmitField(_l("Withdraw the report"))


class TextReviewForm(FlaskForm):
    """A decision on one screened free-text answer: withhold it (say why) or release it."""

    screening_id = IntegerField(validators=[DataRequired()], widget=HiddenInput())
    reason = TextAreaField(_l("Reason (required to withhold) or note"), validators=[Optional(), Length(max=1000)])
    withhold = SubmitField(_l("Withhold from the report"))
    release = SubmitField(_l("Release: no personal data"))
