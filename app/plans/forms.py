from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

SUMMARY_MAX = 20000


class PlanForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Enter a title.")),
                    Length(max=200, message=_l("Keep the title within %(max)d characters."))],
    )
    summary = TextAreaField(
        _l("Summary (Markdown)"),
        validators=[Optional(), Length(max=SUMMARY_MAX, message=_l("Keep the summary within %(max)d characters."))],
    )
    department = StringField(_l("Department"), validators=[Optional(), Length(max=100)])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=500)])
    start_year = IntegerField(
        _l("First fiscal year"),
        validators=[Optional(), NumberRange(2000, 2100, _l("Enter a year between %(min)d and %(max)d."))],
    )
    end_year = IntegerField(
        _l("Last fiscal year"),
        validators=[Optional(), NumberRange(2000, 2100, _l("Enter a year between %(min)d and %(max)d."))],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_department(self, field):
        """Staff tied to a department make plans for it; only admins file plans for others."""
        department = (field.data or "").strip()
        if self.user is None or self.user.has_role("admin") or not self.user.department:
            return
        if department != self.user.department:
            raise ValidationError(_l("You can only manage plans of your own department (%(department)s).",
                                     department=self.user.department))

    def validate_end_year(self, field):
        if field.data and not self.start_year.data:
            raise ValidationError(_l("Enter the first fiscal year too."))
        if field.data and self.start_year.data and field.data < self.start_year.data:
            raise ValidationError(_l("The last year must not be before the first year."))

    def plan_data(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "summary": self.summary.data or "",
            "department": (self.department.data or "").strip(),
            "contact": (self.contact.data or "").strip(),
            "start_year": self.start_year.data,
            "end_year": self.end_year.data or self.start_year.data,
        }


class PublishForm(FlaskForm):
    submit = SubmitField(_l("Publish"))
