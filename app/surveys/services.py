"""Building a survey: drafts, groups, questions, publishing and copies. Flush only; views commit.

Questions are frozen once any answer exists: changing a question under its answers would change
what those answers mean. Staff make a copy instead.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.extensions import db
from app.plans.models import Plan
from app.surveys.models import KINDS, SAMPLINGS, AnswerCode, Keying, Question, Survey, SurveyAnswer, SurveyGroup


class SurveyError(DomainError):
    """A rule a staff action broke; ``code`` is turned into words by ``app.surveys.messages``."""

    def __init__(self, code: str, field: str = "", **params):
        super().__init__(code, field, **params)

    def describe(self) -> str:
        from app.surveys.messages import error_message  # the wording imports this class

        return error_message(self)


@dataclass
class QuestionData:
    kind: str
    text: str
    required: bool = False
    choices: list[str] | None = None
    rows: list[str] | None = None
    max_choices: int | None = None
    has_other: bool = False
    show_if_id: int | None = None
    show_if_choice: int | None = None


def has_answers(survey: Survey) -> bool:
    return bool(db.session.scalar(select(exists().where(SurveyAnswer.survey_id == survey.id))))


def check_unfrozen(survey: Survey) -> None:
    if has_answers(survey):
        raise SurveyError("frozen")


def create_survey(plan: Plan, data: dict[str, Any], *, actor) -> Survey:
    """A new draft survey of ``plan``."""
    survey = Survey(plan=plan, created_by_id=getattr(actor, "id", None), **data)
    db.session.add(survey)
    db.session.flush()
    record_audit("survey.create", survey, actor=actor)
    return survey


def update_survey(survey: Survey, data: dict[str, Any], *, actor) -> None:
    """Title, purpose, period and rules; the period can move while answers come in, the rest too."""
    for name, value in data.items():
        setattr(survey, name, value)
    db.session.flush()
    record_audit("survey.update", survey, actor=actor)


def add_group(survey: Survey, *, label: str, description: str, sampling: str, distributed: int,
              actor) -> SurveyGroup:
    if sampling not in SAMPLINGS:
        raise SurveyError("bad_sampling", "sampling")
    if distributed < 0:
        raise SurveyError("bad_distributed", "distributed")
    group = SurveyGroup(survey=survey, position=len(survey.groups), label=label, description=description,
                        sampling=sampling, distributed=distributed)
    db.session.add(group)
    db.session.flush()
    record_audit("survey.group_add", survey, actor=actor, details={"label": label})
    return group


def remove_group(group: SurveyGroup, *, actor) -> None:
    """Only a group nothing refers to yet: codes, answers and keyings waiting to be counted carry it."""
    used = any(db.session.scalar(select(exists().where(model.group_id == group.id)))
               for model in (AnswerCode, SurveyAnswer, Keying))
    if used:
        raise SurveyError("group_in_use")
    survey = group.survey
    survey.groups.remove(group)
    for position, other in enumerate(survey.groups):
        other.position = position
    db.session.flush()
    record_audit("survey.group_remove", survey, actor=actor, details={"label": group.label})


def _check_question(survey: Survey, data: QuestionData, *, before: int) -> None:
    if data.kind not in KINDS:
        raise SurveyError("bad_kind", "kind")
    if data.kind in ("single", "multiple") and len(data.choices or []) < 2:
        raise SurveyError("need_choices", "choices")
    if data.kind == "matrix" and not data.rows:
        raise SurveyError("need_rows", "rows")
    if data.kind == "multiple" and data.max_choices is not None:
        offered = len(data.choices or []) + (1 if data.has_other else 0)
        if not 1 <= data.max_choices <= offered:
            raise SurveyError("bad_max", "max_choices", offered=offered)
    if data.show_if_id is not None:
        earlier = {question.id: question for question in survey.questions[:before]}
        condition = earlier.get(data.show_if_id)
        if condition is None or condition.kind != "single":
            raise SurveyError("bad_condition", "show_if_id")
        if not data.show_if_choice or not 1 <= data.show_if_choice <= len(condition.options()):
            raise SurveyError("bad_condition_choice", "show_if_choice")


def _apply(question: Question, data: QuestionData) -> None:
    question.kind, question.text, question.required = data.kind, data.text, data.required
    question.choices = list(data.choices or []) if data.kind in ("single", "multiple") else []
    question.rows = list(data.rows or []) if data.kind == "matrix" else []
    question.max_choices = data.max_choices if data.kind == "multiple" else None
    question.has_other = data.has_other and data.kind in ("single", "multiple")
    question.show_if_id = data.show_if_id
    question.show_if_choice = data.show_if_choice if data.show_if_id else None


def add_question(survey: Survey, data: QuestionData, *, actor) -> Question:
    check_unfrozen(survey)
    _check_question(survey, data, before=len(survey.questions))
    question = Question(survey=survey, position=len(survey.questions))
    _apply(question, data)
    db.session.add(question)
    db.session.flush()
    record_audit("survey.question_add", survey, actor=actor, details={"question": question.id})
    return question


def update_question(question: Question, data: QuestionData, *, actor) -> None:
    survey = question.survey
    check_unfrozen(survey)
    _check_question(survey, data, before=question.position)
    _apply(question, data)
    db.session.flush()
    record_audit("survey.question_update", survey, actor=actor, details={"question": question.id})


def remove_question(question: Question, *, actor) -> None:
    """A question others depend on for skip logic loses nothing silently: refused."""
    survey = question.survey
    check_unfrozen(survey)
    if any(other.show_if_id == question.id for other in survey.questions):
        raise SurveyError("condition_depends")
    survey.questions.remove(question)
    for position, other in enumerate(survey.questions):
        other.position = position
    db.session.flush()
    record_audit("survey.question_remove", survey, actor=actor, details={"question": question.id})


def move_question(question: Question, step: int, *, actor) -> None:
    """Up or down one place; a question cannot move above the one it depends on."""
    survey = question.survey
    check_unfrozen(survey)
    target = question.position + step
    if not 0 <= target < len(survey.questions):
        return
    other = survey.questions[target]
    if other.id == question.show_if_id or question.id == other.show_if_id:
        raise SurveyError("condition_order")
    question.position, other.position = -1, question.position
    db.session.flush()
    question.position = target
    survey.questions.sort(key=lambda item: item.position)
    db.session.flush()
    record_audit("survey.question_move", survey, actor=actor, details={"question": question.id})


def publish_survey(survey: Survey, *, actor) -> None:
    """A survey goes out with at least one group and one question."""
    if not survey.groups:
        raise SurveyError("no_groups")
    if not survey.questions:
        raise SurveyError("no_questions")
    survey.status = "published"
    db.session.flush()
    record_audit("survey.publish", survey, actor=actor)


def copy_survey(survey: Survey, *, actor) -> Survey:
    """A new draft with the same groups and questions (skip logic pointing at the copies), no codes
    and no answers: how a frozen survey's questions get changed."""
    copy = Survey(plan_id=survey.plan_id, title=f"{survey.title}（コピー）"[:200], purpose=survey.purpose,
                  method=survey.method, opens_at=survey.opens_at, closes_at=survey.closes_at,
                  uses_codes=survey.uses_codes, min_answered=survey.min_answered, small_cell=survey.small_cell,
                  second_keying=survey.second_keying, created_by_id=getattr(actor, "id", None))
    db.session.add(copy)
    for group in survey.groups:
        copy.groups.append(SurveyGroup(position=group.position, label=group.label, description=group.description,
                                       sampling=group.sampling, distributed=group.distributed))
    copies: dict[int, Question] = {}
    for question in survey.questions:
        new = Question(position=question.position, kind=question.kind, text=question.text,
                       required=question.required, choices=list(question.choices), rows=list(question.rows),
                       max_choices=question.max_choices, has_other=question.has_other,
                       show_if_choice=question.show_if_choice, in_report=question.in_report)
        copy.questions.append(new)
        copies[question.id] = new
    db.session.flush()
    for question in survey.questions:
        if question.show_if_id is not None and question.show_if_id in copies:
            copies[question.id].show_if_id = copies[question.show_if_id].id
    db.session.flush()
    record_audit("survey.copy", copy, actor=actor, details={"from": survey.id})
    return copy


def set_report(survey: Survey, *, notes: str, question_ids: set[int], publish: bool, actor) -> None:
    """The public report: chosen questions and notes; publishing needs the survey to have closed."""
    if publish and survey.state() != "closed":
        raise SurveyError("report_before_close")
    survey.report_notes = notes
    for question in survey.questions:
        question.in_report = question.id in question_ids
    if publish and survey.report_published_at is None:
        from app.core.timeutil import utcnow

        survey.report_published_at = utcnow()
    elif not publish:
        survey.report_published_at = None
    db.session.flush()
    record_audit("survey.report_publish" if publish else "survey.report_save", survey, actor=actor)


def code_counts(survey: Survey) -> dict[int, tuple[int, int]]:
    """group id -> (codes made, codes used)."""
    rows = db.session.execute(
        select(AnswerCode.group_id, func.count(), func.count().filter(AnswerCode.used.is_(True)))
        .where(AnswerCode.survey_id == survey.id).group_by(AnswerCode.group_id))
    return {group_id: (made, used) for group_id, made, used in rows}
