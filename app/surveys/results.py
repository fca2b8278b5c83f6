"""What the answers add up to, counted in SQL: 表1 per group and a count/% table per question.

Only valid answers (at least ``min_answered`` questions answered) enter the tables; invalid ones are
counted apart. Public pages show counts below ``small_cell`` (but above zero) as "—", with no
percentage, so no respondent can be singled out.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select

from app.core.planner import tune_transaction
from app.core.timeutil import wareki
from app.extensions import db
from app.surveys.labels import NO_ANSWER, SAME_AS_LEFT, SAMPLING_TABLE, SUPPRESSED, TABLE1_ROWS
from app.surveys.models import AnswerItem, Question, Survey, SurveyAnswer


def percent(part: int, whole: int) -> str:
    if not whole:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}"


def _valid(survey: Survey):
    return SurveyAnswer.answered >= survey.min_answered


@dataclass
class GroupCount:
    group_id: int | None
    returned: int = 0
    valid: int = 0
    web: int = 0


def group_counts(survey: Survey) -> dict[int | None, GroupCount]:
    """Answers returned, valid and valid by web, per group: one query."""
    valid = _valid(survey)
    rows = db.session.execute(
        select(SurveyAnswer.group_id, func.count(), func.count().filter(valid),
               func.count().filter(valid, SurveyAnswer.channel == "web"))
        .where(SurveyAnswer.survey_id == survey.id).group_by(SurveyAnswer.group_id))
    return {group_id: GroupCount(group_id, returned, ok, web) for group_id, returned, ok, web in rows}


def table1(survey: Survey) -> dict:
    """表1 in the seed's shape: a column per group and the rows 調査対象 … 調査期間, 同左 where a
    cell repeats the one on its left, the period in 和暦."""
    counts = group_counts(survey)
    period = f"{wareki(survey.opens_at)}～{wareki(survey.closes_at)}"
    columns = []
    for group in survey.groups:
        count = counts.get(group.id, GroupCount(group.id))
        rate = percent(count.valid, group.distributed)
        columns.append({
            "label": group.label,
            "cells": [group.description, SAMPLING_TABLE[group.sampling], f"{group.distributed:,}",
                      f"{count.valid:,}（{rate}％）" if group.distributed else f"{count.valid:,}",
                      survey.method, period],
            "invalid": count.returned - count.valid, "web": count.web, "valid": count.valid})
    for index in range(1, len(columns)):
        for row in (4, 5):  # 調査方法, 調査期間: the seed writes 同左 for a repeat
            if columns[index]["cells"][row] == columns[0]["cells"][row]:
                columns[index]["cells"][row] = SAME_AS_LEFT
    return {"rows": TABLE1_ROWS, "columns": columns}


@dataclass
class Line:
    label: str
    count: int
    percent: str
    shown_count: str = ""
    width: float = 0.0  # of the bar, 0–100


@dataclass
class QuestionTable:
    question: Question
    row_label: str = ""
    lines: list[Line] = field(default_factory=list)
    base: int = 0
    summary: dict = field(default_factory=dict)  # number questions: count, mean, min, max


def _line(label: str, count: int, base: int, *, small: int) -> Line:
    hidden = small and 0 < count < small
    share = percent(count, base)
    return Line(label=label, count=count, percent=SUPPRESSED if hidden else share,
                shown_count=SUPPRESSED if hidden else f"{count:,}",
                width=0.0 if hidden or not base else count * 100 / base)


def question_tables(survey: Survey, *, public: bool, group_id: int | None = None,
                    only_report: bool = False) -> list[QuestionTable]:
    """A table per question (per row for a matrix) of valid answers: choice counts with their share
    of valid respondents, and 無回答. Free-text answers are only counted."""
    small = survey.small_cell if public else 0
    answers = select(SurveyAnswer.id).where(SurveyAnswer.survey_id == survey.id, _valid(survey))
    if group_id is not None:
        answers = answers.where(SurveyAnswer.group_id == group_id)
    answers = answers.subquery()
    base = db.session.scalar(select(func.count()).select_from(answers)) or 0
    tune_for_counting()
    # One pass over every value: choice counts, and for number and free-text questions (one value per
    # answer) how many answered and the numbers' mean, lowest and highest.
    cells: dict[tuple[int, int, int], int] = {}
    answered: dict[tuple[int, int], int] = {}
    numbers: dict[int, tuple] = {}
    for q, r, c, n, numbered, mean, low, high in db.session.execute(
            select(AnswerItem.question_id, AnswerItem.row, AnswerItem.choice, func.count(),
                   func.count(AnswerItem.number), func.avg(AnswerItem.number),
                   func.min(AnswerItem.number), func.max(AnswerItem.number))
            .join(answers, answers.c.id == AnswerItem.answer_id)
            .group_by(AnswerItem.question_id, AnswerItem.row, AnswerItem.choice)):
        if c is None:
            answered[(q, r)] = n
            numbers[q] = (numbered, mean, low, high)
        else:  # one value per answer and row: the sum is who answered (multiple choice is counted below)
            cells[(q, r, c)] = n
            answered[(q, r)] = answered.get((q, r), 0) + n
    answered.update(multiple_answered(survey, answers))
    tables = []
    for question in survey.questions:
        if only_report and not question.in_report:
            continue
        rows = question.rows if question.kind == "matrix" else [""]
        for row, row_label in enumerate(rows):
            table = QuestionTable(question=question, row_label=row_label, base=base)
            if question.kind in ("single", "multiple", "scale", "matrix"):
                for choice, label in enumerate(question.options(), start=1):
                    table.lines.append(_line(label, cells.get((question.id, row, choice), 0), base, small=small))
                table.lines.append(_line(str(NO_ANSWER), base - answered.get((question.id, row), 0), base,
                                         small=small))
            elif question.kind == "number":
                n, mean, low, high = numbers.get(question.id, (0, None, None, None))
                hidden = small and 0 < n < small
                table.summary = {"count": SUPPRESSED if hidden else f"{n:,}",
                                 "mean": "" if hidden or mean is None else f"{Decimal(mean):.1f}",
                                 "min": "" if hidden or low is None else f"{low:g}",
                                 "max": "" if hidden or high is None else f"{high:g}"}
            else:
                n = answered.get((question.id, 0), 0)
                table.summary = {"count": SUPPRESSED if small and 0 < n < small else f"{n:,}"}
            tables.append(table)
    return tables


def tune_for_counting() -> None:
    """PostgreSQL: room for the hash tables in memory (4 MB by default spills them to disk) and no JIT
    compiling, which costs more than it saves on these short scans. For this transaction only."""
    tune_transaction(work_mem="64MB", jit="off")


def multiple_answered(survey: Survey, answers) -> dict[tuple[int, int], int]:
    """How many answered each multiple-choice question: one GROUP BY over the answers (a flag per
    question: did this answer choose anything there) summed, instead of a DISTINCT over every
    (question, answer) pair, which hashes ten times as many rows."""
    several = [question.id for question in survey.questions if question.kind == "multiple"]
    if not several:
        return {}
    flags = (select(*[func.max(case((AnswerItem.question_id == qid, 1), else_=0)).label(f"q{qid}") for qid in several])
             .join(answers, answers.c.id == AnswerItem.answer_id)
             .where(AnswerItem.question_id.in_(several)).group_by(AnswerItem.answer_id).subquery())
    sums = db.session.execute(select(*[func.coalesce(func.sum(flags.c[f"q{qid}"]), 0) for qid in several])).one()
    return {(qid, 0): int(n) for qid, n in zip(several, sums, strict=True)}


def invalid_count(survey: Survey) -> int:
    return db.session.scalar(select(func.count()).where(SurveyAnswer.survey_id == survey.id,
                                                        SurveyAnswer.answered < survey.min_answered)) or 0
