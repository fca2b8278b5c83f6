"""Paper entry (郵送): staff key a stack of returned forms in a keyboard-first layout, once or, with
second keying on, twice; the pairs that differ are listed and settled question by question. The
rules are in ``app.surveys.keying``."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from app.core.actions import run_action
from app.core.auth import roles_required
from app.extensions import db
from app.surveys import keying
from app.surveys.forms import ActionForm
from app.surveys.messages import error_message
from app.surveys.models import Survey, SurveyAnswer
from app.surveys.services import SurveyError
from app.surveys.staff_views import STAFF, editable_survey
from app.surveys.views import bp


class PaperForm(FlaskForm):
    code = StringField(_l("Answer code"), validators=[Optional(), Length(max=40)])
    number = StringField(_l("Form number"), validators=[Optional(), Length(max=keying.FORM_NUMBER_MAX)])
    group = SelectField(_l("Target group"), coerce=str, validators=[Optional()])
    save = SubmitField(_l("Save and key the next form"))


DONE = {
    "stored": _l("Saved. Key the next form."),
    "waiting": _l("First keying saved. The answer counts once the form is keyed a second time."),
    "agreed": _l("The two keyings agree: the answer is counted. Key the next form."),
    "differs": _l("The two keyings differ. The form is listed to be checked; key the next form."),
}


def _counts(survey: Survey) -> dict[str, int]:
    keyed = db.session.scalar(select(func.count()).where(SurveyAnswer.survey_id == survey.id,
                                                         SurveyAnswer.channel == "paper")) or 0
    waiting, differ = keying.unresolved(survey)
    return {"keyed": keyed, "waiting": len(waiting), "differ": len(differ)}


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
        fields = keying.keyed_fields(survey, request.form)
        read = keying.read_keyed(survey, fields)
        errors = {qid: error_message(code) for qid, code in read.errors.items()}
        if not errors:
            try:
                keyed = keying.key_form(survey, fields, code=form.code.data or "", number=form.number.data or "",
                                        group_id=int(form.group.data) if form.group.data else None,
                                        actor=current_user)
            except SurveyError as error:
                db.session.rollback()
                field = form._fields.get(error.field) if error.field else None
                if field is not None:
                    field.errors = [error_message(error)]
                else:
                    notice = error_message(error)
            else:
                db.session.commit()
                outcome = "agreed" if keyed.outcome == "stored" and survey.second_keying else keyed.outcome
                flash(str(DONE[outcome]), "error" if outcome == "differs" else "success")
                return redirect(url_for("surveys.paper", survey_id=survey.id), code=303)
    status = 200 if request.method == "GET" or not (errors or notice or form.errors) else 400
    return render_template("surveys/paper.html", survey=survey, form=form, errors=errors, notice=notice,
                           counts=_counts(survey), action=ActionForm(), typed=request.form,
                           title=_("Paper entry")), status


@bp.post("/staff/surveys/<int:survey_id>/paper/second-keying/<any(on, off):state>")
@roles_required(*STAFF)
def second_keying(survey_id: int, state: str):
    survey = editable_survey(survey_id)
    back = url_for("surveys.paper", survey_id=survey.id)
    return run_action(lambda: keying.set_second_keying(survey, state == "on", actor=current_user),
                      form=ActionForm(), then=back,
                      done=_("Second keying is on: each form is keyed twice and compared.") if state == "on"
                      else _("Second keying is off: each form counts when it is keyed once."))


@bp.get("/staff/surveys/<int:survey_id>/paper/keyings")
@roles_required(*STAFF)
def keyings(survey_id: int):
    survey = editable_survey(survey_id)
    waiting, differ = keying.unresolved(survey)
    return render_template("surveys/keyings.html", survey=survey, waiting=waiting, differ=differ,
                           title=_("Keyings to finish"))


@bp.route("/staff/surveys/<int:survey_id>/paper/keyings/<int:keying_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def resolve(survey_id: int, keying_id: int):
    survey = editable_survey(survey_id)
    pair = keying.pair_of(survey, keying_id)
    if len(pair) != 2:
        abort(404)
    form = ActionForm()
    problems: dict[str, str] = {}
    notice = ""
    if form.validate_on_submit():
        picks = {name[len("pick-"):]: value for name, value in request.form.items() if name.startswith("pick-")}
        try:
            keying.resolve(survey, keying_id, picks, request.form, actor=current_user)
        except SurveyError as error:
            db.session.rollback()
            pair = keying.pair_of(survey, keying_id)
            for name in error.params.get("missing", []):
                problems[name] = error_message(error.code)
            for question_id, code in error.params.get("errors", {}).items():
                problems[f"q{question_id}"] = error_message(code)
            notice = "" if problems else error_message(error)
            if len(pair) != 2:
                flash(notice or error_message(error), "error")
                return redirect(url_for("surveys.keyings", survey_id=survey.id), code=303)
        else:
            db.session.commit()
            flash(_("Settled: the answer is counted and both keyings are removed."), "success")
            return redirect(url_for("surveys.keyings", survey_id=survey.id), code=303)
    first, second = pair
    status = 200 if request.method == "GET" else 400
    return render_template("surveys/resolve.html", survey=survey, first=first, second=second, form=form,
                           differences=keying.differences(survey, first, second), problems=problems, notice=notice,
                           typed=request.form, title=_("Settle two keyings")), status
