"""Moderation forms. Choices come from the period in hand, through the constructor."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.moderation.labels import (
    BULK_LABELS,
    CLAIM_LABELS,
    DECISION_LABELS,
    QUEUE_STATE_LABELS,
    REDACTION_REASON_LABELS,
    WITHHOLD_REASON_LABELS,
)
from app.moderation.services.common import MAX_EXCERPT, MAX_REASON, MAX_SUMMARY
from app.moderation.services.groups import MAX_TITLE
from app.moderation.services.redaction import MAX_PHRASE
from app.moderation.services.tags import MAX_TAG
from app.periods.labels import CHANNEL_LABELS

ANY = ("", _l("All"))


def _choices(labels: dict) -> list[tuple[str, object]]:
    return list(labels.items())


def section_choices(period) -> list[tuple[str, str]]:
    return [(str(section.id), section.display) for section in period.sections]


def tag_choices(tags) -> list[tuple[str, str]]:
    return [(str(tag.id), tag.name) for tag in tags]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(_l("Search the text"), validators=[Optional(), Length(max=100)])
    period = SelectField(_l("Comment period"), validators=[Optional()])
    state = SelectField(_l("State"), choices=[*_choices(QUEUE_STATE_LABELS), ANY],
                        default="open", validators=[Optional()])
    channel = SelectField(_l("Channel"), choices=[ANY, *_choices(CHANNEL_LABELS)], validators=[Optional()])
    claim = SelectField(_l("Claim"), choices=[ANY, *_choices(CLAIM_LABELS)], validators=[Optional()])
    section = SelectField(_l("Section"), validators=[Optional()])
    tag = SelectField(_l("Tag"), validators=[Optional()])
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_to = DateField(_l("Received until"), validators=[Optional()])

    def __init__(self, *args, periods=(), period=None, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.period.choices = [ANY, *[(str(p.id), p.title) for p in periods]]
        self.section.choices = [ANY, *(section_choices(period) if period else [])]
        self.tag.choices = [ANY, *tag_choices(tags)]

    def validate_received_to(self, field):
        if field.data and self.received_from.data and field.data < self.received_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""

    submit = SubmitField(_l("Go"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=MAX_REASON)])
    submit = SubmitField(_l("Go"))


class OpinionForm(FlaskForm):
    entry = SelectField(_l("Entry"), validators=[Optional()])
    excerpt = TextAreaField(
        _l("Excerpt"),
        validators=[DataRequired(_l("Enter the excerpt: the words of the submission this opinion comes from.")),
                    Length(max=MAX_EXCERPT)],
    )
    section = SelectField(_l("Section of the draft"), validators=[Optional()])
    summary = TextAreaField(_l("Summary of the opinion (意見の概要)"), validators=[Optional(), Length(max=MAX_SUMMARY)])
    tags = CheckboxesField(_l("Tags"), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, submission=None, period=None, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        entries = submission.entries if submission is not None else []
        self.entry.choices = [("", _l("Find it in any entry")),
                              *[(str(e.id), _l("Entry %(n)d", n=i)) for i, e in enumerate(entries, start=1)]]
        self.section.choices = [("", _l("No particular section")), *section_choices(period)]
        self.tags.choices = tag_choices(tags)

    def values(self) -> dict:
        return {"excerpt": self.excerpt.data or "", "summary": self.summary.data or "",
                "section_id": int(self.section.data) if self.section.data else None,
                "tag_ids": [int(t) for t in self.tags.data or []]}


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=_choices(DECISION_LABELS))
    withhold_reason = SelectField(_l("Reason for withholding"),
                                  choices=[("", _l("Not withheld")), *_choices(WITHHOLD_REASON_LABELS)],
                                  validators=[Optional()])
    note = StringField(_l("Note on the reason"), validators=[Optional(), Length(max=MAX_REASON)])
    reason = TextAreaField(_l("Reason for changing a decision already made"),
                           validators=[Optional(), Length(max=MAX_REASON)])
    submit = SubmitField(_l("Record the decision"))


class RedactionForm(FlaskForm):
    phrase = StringField(_l("Words to hide"), validators=[Optional(), Length(max=MAX_PHRASE)])
    start = IntegerField(_l("Or from character"), validators=[Optional(), NumberRange(min=0)])
    end = IntegerField(_l("to character"), validators=[Optional(), NumberRange(min=0)])
    reason = SelectField(_l("Why"), choices=[("", _l("Choose a reason")), *_choices(REDACTION_REASON_LABELS)],
                         validators=[InputRequired(_l("Choose why the text is hidden."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=MAX_REASON)])
    submit = SubmitField(_l("Hide"))

    def validate_phrase(self, field):
        if not field.data and (self.start.data is None or self.end.data is None):
            raise ValidationError(_l("Enter the words to hide, or a start and end position."))


class GroupChoiceForm(FlaskForm):
    group = SelectField(_l("Group"), validators=[DataRequired(_l("Choose a group."))])
    submit = SubmitField(_l("Add to the group"))

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = [("", _l("Choose a group")), *[(str(g.id), g.title) for g in groups]]


class GroupTitleForm(FlaskForm):
    title = StringField(_l("Title of the group"), validators=[DataRequired(_l("Enter a title for the group.")),
                                                             Length(max=MAX_TITLE)])
    submit = SubmitField(_l("Rename"))


class BulkForm(FlaskForm):
    opinion_ids = SelectMultipleField(_l("Selected opinions"), coerce=int, validate_choice=False)
    action = SelectField(_l("Action"), choices=[("", _l("Choose an action")), *_choices(BULK_LABELS)],
                         validators=[InputRequired(_l("Choose an action."))])
    tag = SelectField(_l("Tag (for “Add a tag”)"), validators=[Optional()])
    withhold_reason = SelectField(_l("Reason (for withholding)"),
                                  choices=[("", _l("Choose a reason")), *_choices(WITHHOLD_REASON_LABELS)],
                                  validators=[Optional()])
    note = StringField(_l("Note on the reason"), validators=[Optional(), Length(max=MAX_REASON)])
    reason = StringField(_l("Reason for changing decisions already made"),
                         validators=[Optional(), Length(max=MAX_REASON)])
    title = StringField(_l("Title of the group (for grouping)"), validators=[Optional(), Length(max=MAX_TITLE)])
    submit = SubmitField(_l("Apply to the selection"))

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.tag.choices = [("", _l("Choose a tag")), *tag_choices(tags)]


class TagForm(FlaskForm):
    name = StringField(_l("Tag name"), validators=[DataRequired(_l("Enter the tag's name.")), Length(max=MAX_TAG)])
    submit = SubmitField(_l("Add the tag"))
