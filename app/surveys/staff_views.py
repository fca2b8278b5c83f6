"""Staff pages: the survey builder (drafts, groups, questions, preview, publish, copy), answer codes,
results and the report. Each action checks, calls one service and commits once."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.core import runs
from app.core.auth import load_permitted, roles_required
from app.extensions import db
from app.plans.models import Plan
from app.surveys import results, screening, services
from app.surveys.forms import ActionForm, CodesForm, GroupForm, QuestionForm, ReportForm, SurveyForm
from app.surveys.labels import CHANNEL_LABELS, KIND_LABELS, SAMPLING_LABELS, STATE_LABELS
from app.surveys.messages import error_message
from app.surveys.models import Question, Survey, SurveyGroup
from app.surveys.services import SurveyError
from app.surveys.tasks import CODES, EXPORT, export_results, make_answer_codes, screen_survey_texts
from app.surveys.views import AnswerForm, bp, render_form

STAFF = ("staff", "admin")
# The two job call sites (request_codes, export): each names its job here, once.


def editable_survey(survey_id: int) -> Survey:
    return load_permitted(Survey, survey_id, Survey.can_edit)


def _refused(error: SurveyError, form=None) -> None:
    db.session.rollback()
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is not None:
        field.errors = [*field.errors, error_message(error)]
    else:
        flash(error_message(error), "error")


def _back(survey: Survey):
    return redirect(url_for("surveys.staff_show", survey_id=survey.id), code=303)


@bp.get("/staff/surveys")
@roles_required(*STAFF)
def staff_index():
    surveys = db.session.scalars(select(Survey).options(selectinload(Survey.plan))
                                 .order_by(Survey.opens_at.desc())).all()
    plans = [plan for plan in db.session.scalars(select(Plan).order_by(Plan.created_at.desc()))
             if plan.can_edit(current_user)]
    return render_template("surveys/staff_index.html", surveys=[s for s in surveys if s.can_edit(current_user)],
                           plans=plans, state_labels=STATE_LABELS, title=_("Surveys"))


@bp.route("/staff/plans/<int:plan_id>/surveys/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def create(plan_id: int):
    plan = load_permitted(Plan, plan_id, Plan.can_edit)
    form = SurveyForm()
    if form.validate_on_submit():
        survey = services.create_survey(plan, form.survey_data(), actor=current_user)
        db.session.commit()
        flash(_("The survey has been saved as a draft. Add its groups and questions, then publish it."), "success")
        return _back(survey)
    return render_template("surveys/survey_form.html", form=form, plan=plan, survey=None, title=_("New survey"))


@bp.route("/staff/surveys/<int:survey_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def staff_show(survey_id: int):
    survey = editable_survey(survey_id)
    form = SurveyForm(data=None if request.method == "POST" else SurveyForm.data_of(survey))
    if form.validate_on_submit():
        services.update_survey(survey, form.survey_data(), actor=current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return _back(survey)
    return render_template("surveys/staff_show.html", survey=survey, form=form, group_form=GroupForm(),
                           action=ActionForm(), frozen=services.has_answers(survey),
                           codes=services.code_counts(survey), kinds=KIND_LABELS, samplings=SAMPLING_LABELS,
                           state_labels=STATE_LABELS, title=survey.title)


@bp.post("/staff/surveys/<int:survey_id>/groups")
@roles_required(*STAFF)
def add_group(survey_id: int):
    survey = editable_survey(survey_id)
    form = GroupForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return _back(survey)
    try:
        services.add_group(survey, label=form.label.data.strip(), description=(form.description.data or "").strip(),
                           sampling=form.sampling.data, distributed=form.distributed.data, actor=current_user)
    except SurveyError as error:
        _refused(error)
        return _back(survey)
    db.session.commit()
    return _back(survey)


@bp.post("/staff/surveys/<int:survey_id>/groups/<int:group_id>/remove")
@roles_required(*STAFF)
def remove_group(survey_id: int, group_id: int):
    survey = editable_survey(survey_id)
    group = db.session.get(SurveyGroup, group_id)
    if group is None or group.survey_id != survey.id or not ActionForm().validate_on_submit():
        abort(404 if group is None else 400)
    try:
        services.remove_group(group, actor=current_user)
    except SurveyError as error:
        _refused(error)
        return _back(survey)
    db.session.commit()
    return _back(survey)


def _question_of(survey: Survey, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


@bp.route("/staff/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
@bp.route("/staff/surveys/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def question(survey_id: int, question_id: int | None = None):
    survey = editable_survey(survey_id)
    current = _question_of(survey, question_id) if question_id else None
    if services.has_answers(survey):
        flash(error_message("frozen"), "error")
        return _back(survey)
    earlier = survey.questions[:current.position] if current else survey.questions
    form = QuestionForm(earlier=earlier,
                        data=QuestionForm.data_of(current) if current and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            if current:
                services.update_question(current, form.question_data(), actor=current_user)
            else:
                services.add_question(survey, form.question_data(), actor=current_user)
        except SurveyError as error:
            _refused(error, form)
        else:
            db.session.commit()
            return _back(survey)
    return render_template("surveys/question_form.html", survey=survey, form=form, question=current,
                           title=_("Question"))


@bp.post("/staff/surveys/<int:survey_id>/questions/<int:question_id>/<any(up, down, remove):action>")
@roles_required(*STAFF)
def question_action(survey_id: int, question_id: int, action: str):
    survey = editable_survey(survey_id)
    current = _question_of(survey, question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "remove":
            services.remove_question(current, actor=current_user)
        else:
            services.move_question(current, -1 if action == "up" else 1, actor=current_user)
    except SurveyError as error:
        _refused(error)
        return _back(survey)
    db.session.commit()
    return _back(survey)


@bp.post("/staff/surveys/<int:survey_id>/<any(publish, copy):action>")
@roles_required(*STAFF)
def survey_action(survey_id: int, action: str):
    survey = editable_survey(survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "publish":
            services.publish_survey(survey, actor=current_user)
        else:
            survey = services.copy_survey(survey, actor=current_user)
    except SurveyError as error:
        _refused(error)
        return _back(survey)
    db.session.commit()
    flash(_("The survey is published.") if action == "publish" else _("This is the copy, as a draft."), "success")
    return _back(survey)


@bp.get("/staff/surveys/<int:survey_id>/preview")
@roles_required(*STAFF)
def preview(survey_id: int):
    return render_form(editable_survey(survey_id), AnswerForm(), preview=True)


@bp.route("/staff/surveys/<int:survey_id>/codes", methods=["GET", "POST"])
@roles_required(*STAFF)
def codes(survey_id: int):
    survey = editable_survey(survey_id)
    made = services.code_counts(survey)
    form = CodesForm()
    form.group_id.choices = [SelectChoice(group.id, group.label) for group in survey.groups]
    if form.validate_on_submit():
        group = next(group for group in survey.groups if group.id == form.group_id.data)
        missing = group.distributed - made.get(group.id, (0, 0))[0]
        if missing <= 0:
            flash(_("This group already has a code for every form sent."), "error")
        else:
            run = request_codes(survey, group, missing)
            db.session.commit()
            return redirect(url_for("jobs.show_run", run_id=run.id), code=303)
    code_runs = runs.active_run("survey_codes", runs.subject_type(Survey), survey.id)
    return render_template("surveys/codes.html", survey=survey, form=form, made=made, active=code_runs,
                           title=_("Answer codes"))


@bp.post("/staff/surveys/<int:survey_id>/export")
@roles_required(*STAFF)
def export(survey_id: int):
    survey = editable_survey(survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    run = runs.start_run(EXPORT, export_results, **runs.run_subject(survey), actor=current_user)
    db.session.commit()
    return redirect(url_for("jobs.show_run", run_id=run.id), code=303)


def _crosstab(survey: Survey):
    """The cross-tabulation asked for in the query (?cross=<question id>&by=<question id or "group">)."""
    from app.surveys.crosstab import can_cross, cross

    questions = {str(question.id): question for question in survey.questions}
    question = questions.get(request.args.get("cross", ""))
    by = request.args.get("by", "group")
    if question is None or not can_cross(question) or (by != "group" and not (by in questions and can_cross(
            questions[by]) and by != str(question.id))):
        return None
    return cross(survey, question, None if by == "group" else questions[by])


def request_codes(survey: Survey, group: SurveyGroup, count: int):
    """The one call site of the code-sheet job."""
    return runs.start_run(CODES, make_answer_codes, **runs.run_subject(survey),
                          params={"group_id": group.id, "count": count}, actor=current_user)


@bp.route("/staff/surveys/<int:survey_id>/results", methods=["GET", "POST"])
@roles_required(*STAFF)
def staff_results(survey_id: int):
    survey = editable_survey(survey_id)
    form = ReportForm(data=None if request.method == "POST" else {"notes": survey.report_notes})
    if form.validate_on_submit():
        chosen = {int(value) for value in request.form.getlist("in_report") if value.isdigit()}
        try:
            services.set_report(survey, notes=(form.notes.data or "").strip(), question_ids=chosen,
                                publish=bool(form.publish.data) or (survey.report_published_at is not None
                                                                    and not form.unpublish.data),
                                actor=current_user)
        except SurveyError as error:
            _refused(error)
        else:
            if survey.report_published_at is not None:
                screen_survey_texts.delay(survey.id)  # the report's digest from every text screened so far
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("surveys.staff_results", survey_id=survey.id), code=303)
    return render_template("surveys/results.html", survey=survey, form=form, table1=results.table1(survey),
                           tables=results.question_tables(survey, public=False), crossed=_crosstab(survey),
                           action=ActionForm(),
                           texts_to_review=screening.text_counts(survey).by_state.get("unreviewed", 0),
                           invalid=results.invalid_count(survey), channels=CHANNEL_LABELS, title=_("Survey results"))
