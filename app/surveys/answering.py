"""Reading and keeping an answer: one set of rules for the web form and for paper keyed by staff.

A code answers once, whichever way comes first: it is claimed with a conditional UPDATE (``used``
goes from false to true in one statement), so two sends at once cannot both win on PostgreSQL.
"""

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import insert, select, update

from app.core.timeutil import utcnow
from app.extensions import db
from app.surveys.models import SCALE_POINTS, AnswerCode, AnswerItem, Question, Survey, SurveyAnswer
from app.surveys.services import SurveyError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper without doubt
CODE_LENGTH = 12
TEXT_MAX = 2000
NUMBER_LIMIT = Decimal("1000000000")


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str:
    """What a person typed (full-width, lower case, spaces, hyphens) as the code's bare characters."""
    return re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", text or "").upper())


def code_hash(code: str) -> str:
    """A keyed hash: without the app's secret, a database copy cannot be matched to printed codes."""
    key = f"survey-code:{current_app.config['SECRET_KEY']}".encode()
    return hmac.new(key, normalize_code(code).encode(), hashlib.sha256).hexdigest()


@dataclass
class ReadAnswer:
    """An answer as read from a form: its items (dicts for a bulk insert) and what was wrong."""

    items: list[dict] = field(default_factory=list)
    answered: int = 0
    errors: dict[int, str] = field(default_factory=dict)  # question id -> error code
    shown: set[int] = field(default_factory=set)


def is_shown(question: Question, chosen: dict[int, set[int]]) -> bool:
    return question.show_if_id is None or question.show_if_choice in chosen.get(question.show_if_id, set())


def _choices(values: list[str], count: int) -> list[int] | None:
    picked = []
    for value in values:
        value = unicodedata.normalize("NFKC", value).strip()
        if not value:
            continue
        if not value.isdigit() or not 1 <= int(value) <= count:
            return None
        picked.append(int(value))
    return sorted(set(picked))


def _read_question(question: Question, values: Mapping[str, list[str]], read: ReadAnswer,
                   chosen: dict[int, set[int]]) -> None:
    key = f"q{question.id}"
    items: list[dict] = []
    if question.kind in ("single", "multiple", "scale"):
        count = SCALE_POINTS if question.kind == "scale" else len(question.options())
        picked = _choices(values.get(key, []), count)
        if picked is None:
            read.errors[question.id] = "bad_choice"
            return
        if question.kind != "multiple" and len(picked) > 1:
            read.errors[question.id] = "one_choice"
            return
        if question.kind == "multiple" and question.max_choices and len(picked) > question.max_choices:
            read.errors[question.id] = "too_many"
            return
        other = " ".join(values.get(f"{key}-other", [""])[0].split())[:200]
        for choice in picked:
            text = other if choice == question.other_choice else ""
            items.append({"question_id": question.id, "row": 0, "choice": choice, "number": None, "text": text})
        chosen[question.id] = set(picked)
    elif question.kind == "matrix":
        for row in range(len(question.rows)):
            picked = _choices(values.get(f"{key}-r{row}", []), SCALE_POINTS)
            if picked is None or len(picked) > 1:
                read.errors[question.id] = "bad_choice"
                return
            if picked:
                items.append({"question_id": question.id, "row": row, "choice": picked[0], "number": None,
                              "text": ""})
        if question.required and items and len(items) < len(question.rows):
            read.errors[question.id] = "every_row"
            return
    elif question.kind == "number":
        value = unicodedata.normalize("NFKC", values.get(key, [""])[0]).strip().replace(",", "")
        if value:
            try:
                number = Decimal(value)
            except InvalidOperation:
                read.errors[question.id] = "not_number"
                return
            if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
                read.errors[question.id] = "not_number"
                return
            items.append({"question_id": question.id, "row": 0, "choice": None,
                          "number": number.quantize(Decimal("0.01")), "text": ""})
    else:
        text = values.get(key, [""])[0].strip()
        if len(text) > TEXT_MAX:
            read.errors[question.id] = "too_long"
            return
        if text:
            items.append({"question_id": question.id, "row": 0, "choice": None, "number": None, "text": text})
    if question.required and not items:
        read.errors[question.id] = "required"
        return
    read.items.extend(items)
    read.answered += 1 if items else 0


def read_answers(survey: Survey, values: Mapping[str, list[str]]) -> ReadAnswer:
    """The answers in ``values`` (field name -> values), in question order. A question hidden by
    skip logic keeps nothing of what was sent for it and is never required."""
    read = ReadAnswer()
    chosen: dict[int, set[int]] = {}
    for question in survey.questions:
        if not is_shown(question, chosen):
            continue
        read.shown.add(question.id)
        _read_question(question, values, read, chosen)
    return read


def find_code(survey: Survey, code: str) -> AnswerCode:
    """The code's row, or why it cannot answer: unknown, or already used."""
    if not normalize_code(code):
        raise SurveyError("code_missing", "code")
    row = db.session.scalar(select(AnswerCode).where(AnswerCode.survey_id == survey.id,
                                                     AnswerCode.code_hash == code_hash(code)))
    if row is None:
        raise SurveyError("code_unknown", "code")
    if row.used:
        raise SurveyError("code_used", "code")
    return row


def claim_code(survey: Survey, code: str) -> int:
    """Mark the code used and return its group; refused when it was used first, even a moment ago
    by another request: only one UPDATE can see ``used = false``."""
    row = find_code(survey, code)
    claimed = db.session.execute(
        update(AnswerCode).where(AnswerCode.id == row.id, AnswerCode.used.is_(False)).values(used=True)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise SurveyError("code_used", "code")
    return row.group_id


def check_open(survey: Survey, channel: str, now: datetime) -> None:
    """The web form takes answers only while the survey is open. Paper forms keep arriving after the
    closing day (posted in time), so staff may key them once it opened, until the report is out."""
    state = survey.state(now)
    if channel == "web" and state != "open":
        raise SurveyError({"draft": "not_open", "scheduled": "not_open_yet", "closed": "closed"}[state])
    if channel == "paper":
        if state in ("draft", "scheduled"):
            raise SurveyError("not_open_yet")
        if survey.report_published_at is not None:
            raise SurveyError("report_out")


def keep_answer(survey: Survey, read: ReadAnswer, *, channel: str, code: str = "", group_id: int | None = None,
                now: datetime | None = None) -> SurveyAnswer:
    """Claim the code (if the survey uses codes), then insert the answer with its group, never the
    code. ``group_id`` is for surveys without codes; the code's group wins otherwise."""
    if read.errors:
        raise SurveyError("invalid")
    check_open(survey, channel, now or utcnow())
    if survey.uses_codes:
        group_id = claim_code(survey, code)
    elif group_id is None or group_id not in {group.id for group in survey.groups}:
        if channel == "paper" or not survey.groups:
            raise SurveyError("group_missing", "group")
        group_id = survey.groups[0].id
    return insert_answer(survey, read, channel=channel, group_id=group_id, now=now)


def insert_answer(survey: Survey, read: ReadAnswer, *, channel: str, group_id: int,
                  now: datetime | None = None) -> SurveyAnswer:
    """The answer row and its items, once its code (if any) is claimed: the row holds the group only."""
    answer = SurveyAnswer(survey_id=survey.id, group_id=group_id, channel=channel, answered=read.answered,
                          created_at=now or utcnow())
    db.session.add(answer)
    db.session.flush()
    if read.items:
        db.session.execute(insert(AnswerItem), [{**item, "answer_id": answer.id} for item in read.items])
    return answer
