"""Cross-tabulation of one question by another or by target group, counted in SQL (one GROUP BY).

Rows are the groups or the other question's choices; each cell is the number of valid answers with
both, and its share of the row's respondents. Staff pages only: cells are not suppressed here.
"""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.surveys.models import AnswerItem, Question, Survey, SurveyAnswer
from app.surveys.results import percent, tune_for_counting

CHOICE_KINDS = ("single", "multiple", "scale")


@dataclass
class CrossTab:
    question: Question
    by_label: str
    columns: list[str]
    rows: list[tuple[str, int, list[tuple[int, str]]]]  # (label, respondents, [(count, %)])


def can_cross(question: Question) -> bool:
    return question.kind in CHOICE_KINDS


def cross(survey: Survey, question: Question, by: Question | None) -> CrossTab:
    """``question`` by ``by`` (a choice question), or by target group when ``by`` is None."""
    valid = SurveyAnswer.answered >= survey.min_answered
    item = aliased(AnswerItem)
    if by is None:
        key = SurveyAnswer.group_id
        counted = (select(key, item.choice, func.count()).select_from(SurveyAnswer)
                   .join(item, (item.answer_id == SurveyAnswer.id) & (item.question_id == question.id))
                   .where(SurveyAnswer.survey_id == survey.id, valid).group_by(key, item.choice))
        bases = select(key, func.count()).where(SurveyAnswer.survey_id == survey.id, valid).group_by(key)
        labels = [(group.id, group.label) for group in survey.groups]
        by_label = "調査対象"
    else:
        other = aliased(AnswerItem)
        key = other.choice
        counted = (select(key, item.choice, func.count()).select_from(SurveyAnswer)
                   .join(other, (other.answer_id == SurveyAnswer.id) & (other.question_id == by.id))
                   .join(item, (item.answer_id == SurveyAnswer.id) & (item.question_id == question.id))
                   .where(SurveyAnswer.survey_id == survey.id, valid).group_by(key, item.choice))
        # An answer holds a choice of ``by`` at most once (unique per answer, question, row and choice):
        # a plain count is the distinct count, without sorting every group.
        bases = (select(key, func.count()).select_from(SurveyAnswer)
                 .join(other, (other.answer_id == SurveyAnswer.id) & (other.question_id == by.id))
                 .where(SurveyAnswer.survey_id == survey.id, valid).group_by(key))
        labels = list(enumerate(by.options(), start=1))
        by_label = f"Q{by.number}"
    tune_for_counting()
    cells = {(row, choice): count for row, choice, count in db.session.execute(counted)}
    base = dict(db.session.execute(bases).all())
    columns = question.options()
    rows = []
    for row_key, label in labels:
        respondents = base.get(row_key, 0)
        rows.append((label, respondents, [(cells.get((row_key, choice), 0),
                                           percent(cells.get((row_key, choice), 0), respondents))
                                          for choice in range(1, len(columns) + 1)]))
    return CrossTab(question=question, by_label=by_label, columns=columns, rows=rows)
