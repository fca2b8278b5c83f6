"""Paper entry (郵送): staff key a stack of returned forms in a keyboard-first layout. Each field takes
what is printed on the form as numbers (a matrix as one digit per row, "-" for a blank row) and is
turned into the web form's fields, so both go through the same ``answering.read_answers``."""

import re
import unicodedata

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from app.core.audit import record_audit
from app.core.auth import roles_required
from app.extensions import db
from app.surveys import answering
from app.surveys.messages import error_message
from app.surveys.models import Survey, SurveyAnswer
from app.surveys.services import SurveyError
from app.surveys.staff_views import STAFF, editable_survey
from app.surveys.views import bp


class PaperForm(FlaskForm):
    code = StringField(_l("Answer code"), validators=[Optional(), Length(max=40)])
    group = SelectField(_l("Target group"), coerce=str, validators=[Optional()])
    save = SubmitField(_l("Save and key the next form"))


def paper_values(survey: Survey, form) -> dict[str, list[str]]:
    """The keyed fields as the web form would have sent them."""
    values: dict[str, list[str]] = {}
    for question in survey.questions:
        key = f"q{question.id}"
        typed = unicodedata.normalize("NFKC", form.get(f"p{question.id}", "")).strip()
        if question.kind in ("single", "scale", "multiple"):
            values[key] = [part for part in re.split(r"[\s,、・]+", typed) if part]
            values[f"{key}-other"] = [form.get(f"p{question.id}-other", "")]
        elif question.kind == "matrix":
            digits = typed.replace(" ", "")
            for row in range(len(question.rows)):
                mark = digits[row] if row < len(digits) else "-"
                values[f"{key}-r{row}"] = [] if mark == "-" else [mark]
            if len(digits) > len(question.rows):
                values[f"{key}-r0"] = ["x"]  # more digits than rows: refused as a bad choice
        else:
            values[key] = [form.get(f"p{question.id}", "")]
    return values


@bp.route("/staff/surveys/<int:survey_id>/paper", methods=["GET", "POST"])
@roles_required(*STAFF)
def paper(survey_id: int):
    survey = editable_survey(survey_id)
    form = PaperForm()
    form.group.choices = [SelectChoice("", _("Choose"))] + [SelectChoice(str(group.id), group.label)
                                                              for group in survey.groups]
    errors: dict[int, str] = {}
    notice = ""
    if form.validate_on_submit():
        read = answering.read_answers(survey, paper_values(survey, request.form))
        errors = {qid: error_message(code) for qid, code in read.errors.items()}
        if not errors:
            try:
                answering.keep_answer(survey, read, channel="paper", code=form.code.data or "",
                                      group_id=int(form.group.data) if form.group.data else None)
            except SurveyError as error:
                db.session.rollback()
                field = getattr(form, error.field, None) if error.field else None
                if field is not None:
                    field.errors = [error_message(error)]
                else:
                    notice = error_message(error)
            else:
                record_audit("survey.paper_entry", survey, actor=current_user)
                db.session.commit()
                flash(_("Saved. Key the next form."), "success")
                return redirect(url_for("surveys.paper", survey_id=survey.id), code=303)
    keyed = db.session.scalar(select(func.count()).where(SurveyAnswer.survey_id == survey.id,
                                                         SurveyAnswer.channel == "paper")) or 0
    status = 200 if request.method == "GET" or not (errors or notice or form.errors) else 400
    return render_template("surveys/paper.html", survey=survey, form=form, errors=errors, notice=notice,
                           keyed=keyed, typed=request.form, title=_("Paper entry")), status
