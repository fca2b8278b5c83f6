"""The citizen's side: a survey's page, the answer form, its confirmation step (確認画面), the thanks
page and the published report. No account, no personal data: only the answers and, for a sample,
the code printed on the mailed form (claimed on send, never stored)."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from app.core.timeutil import utcnow
from app.extensions import db, limiter
from app.surveys import answering, results, screening
from app.surveys.labels import STATE_LABELS
from app.surveys.messages import error_message
from app.surveys.models import Survey
from app.surveys.services import SurveyError

bp = Blueprint("surveys", __name__)
ANSWERED_KEY = "survey_answered"


class AnswerForm(FlaskForm):
    """The form's fixed part; the questions' fields are read by ``answering.read_answers``."""

    code = StringField(_l("Answer code"), validators=[Optional(), Length(max=40)])
    confirm = SubmitField(_l("Check your answers"))
    send = SubmitField(_l("Send"))
    edit = SubmitField(_l("Back and change"))


def public_survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id, options=[joinedload(Survey.plan)])
    if survey is None or not survey.is_public():
        abort(404)
    return survey


def form_values(survey: Survey) -> dict[str, list[str]]:
    prefixes = tuple(f"q{question.id}" for question in survey.questions)
    return {key: request.form.getlist(key) for key in request.form if key.startswith(prefixes)}


def render_form(survey: Survey, form: AnswerForm, read=None, *, notice: str = "", preview: bool = False,
                status: int = 200):
    errors = {qid: error_message(code) for qid, code in (read.errors if read else {}).items()}
    return render_template("surveys/answer.html", survey=survey, form=form, values=form_values(survey),
                           errors=errors, notice=notice, preview=preview, state=survey.state(),
                           title=_("Answer the survey: %(title)s", title=survey.title)), status


@bp.get("/surveys/<int:survey_id>")
def show(survey_id: int):
    survey = public_survey(survey_id)
    return render_template("surveys/show.html", survey=survey, state=survey.state(), state_labels=STATE_LABELS,
                           title=survey.title)


@bp.get("/surveys/<int:survey_id>/answer")
def answer(survey_id: int):
    survey = public_survey(survey_id)
    return render_form(survey, AnswerForm())


@bp.post("/surveys/<int:survey_id>/answer")
def edit(survey_id: int):
    """Back from the confirmation page with every answer kept."""
    survey = public_survey(survey_id)
    return render_form(survey, AnswerForm())


def _checked(survey: Survey, form: AnswerForm):
    """The answers read, or the form again with what to correct; the code is looked at, not used."""
    if not form.validate_on_submit():
        return None, render_form(survey, form, status=400)
    read = answering.read_answers(survey, form_values(survey))
    try:
        answering.check_open(survey, "web", utcnow())
        if survey.uses_codes:
            answering.find_code(survey, form.code.data or "")
    except SurveyError as error:
        if error.field == "code":
            form.code.errors = [*form.code.errors, error_message(error)]
            return None, render_form(survey, form, read, status=409 if error.code == "code_used" else 400)
        return None, render_form(survey, form, read, notice=error_message(error), status=409)
    if read.errors:
        return None, render_form(survey, form, read, status=400)
    return read, None


@bp.post("/surveys/<int:survey_id>/answer/confirm")
def confirm(survey_id: int):
    survey = public_survey(survey_id)
    form = AnswerForm()
    read, refused = _checked(survey, form)
    if refused:
        return refused
    return render_template("surveys/confirm.html", survey=survey, form=form, values=form_values(survey),
                           read=read, title=_("Check your answers: %(title)s", title=survey.title))


@bp.post("/surveys/<int:survey_id>/answer/send")
@limiter.limit(lambda: current_app.config["SUBMISSION_RATE_LIMIT"], methods=["POST"])
def send(survey_id: int):
    survey = public_survey(survey_id)
    form = AnswerForm()
    read, refused = _checked(survey, form)
    if refused:
        # A double click: the first send used the code and this browser was told so.
        if survey.uses_codes and session.get(ANSWERED_KEY) == _marker(survey, form.code.data):
            return redirect(url_for("surveys.thanks", survey_id=survey.id), code=303)
        return refused
    try:
        answering.keep_answer(survey, read, channel="web", code=form.code.data or "")
    except SurveyError as error:
        db.session.rollback()
        if survey.uses_codes and session.get(ANSWERED_KEY) == _marker(survey, form.code.data):
            return redirect(url_for("surveys.thanks", survey_id=survey.id), code=303)
        if error.field == "code":
            form.code.errors = [error_message(error)]
        return render_form(survey, form, read, notice="" if error.field else error_message(error), status=409)
    db.session.commit()
    session[ANSWERED_KEY] = _marker(survey, form.code.data)
    return redirect(url_for("surveys.thanks", survey_id=survey.id), code=303)


def _marker(survey: Survey, code: str | None) -> str:
    """What the session remembers of the code it sent: a piece of its hash, enough to know a repeat."""
    return f"{survey.id}:{answering.code_hash(code or '')[:16]}" if survey.uses_codes else f"{survey.id}"


@bp.get("/surveys/<int:survey_id>/thanks")
def thanks(survey_id: int):
    survey = public_survey(survey_id)
    return render_template("surveys/thanks.html", survey=survey, title=_("Thank you for answering"))


@bp.get("/surveys/<int:survey_id>/report")
def report(survey_id: int):
    survey = public_survey(survey_id)
    if survey.report_published_at is None:
        abort(404)
    return render_template("surveys/report.html", survey=survey, table1=results.table1(survey),
                           tables=results.question_tables(survey, public=True, only_report=True),
                           digests=screening.digests(survey, public=True, only_report=True),
                           title=_("Survey report: %(title)s", title=survey.title))
