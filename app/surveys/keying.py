"""Paper forms keyed by staff (郵送), once or twice. Flush only; views commit.

A form is keyed as printed: numbers for choices (a matrix one digit per row, "-" for a blank row),
turned into the web form's fields so that both go through ``answering.read_answers``.

With second keying on, the first keying claims the form's code at once (so the web refuses it, as
it would a form counted) but the answer waits: a second keying of the same form, by another person
or in a second pass, is compared question by question. When they agree the answer is stored; when
they differ, staff choose the right value for each difference. Until then the keyings hold the
code's keyed hash; both are deleted when the answer is stored, so nothing ties it to the code.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from app.core.audit import record_audit
from app.core.timeutil import utcnow
from app.extensions import db
from app.surveys import answering
from app.surveys.models import Keying, Question, Survey, SurveyAnswer
from app.surveys.services import SurveyError

FORM_NUMBER_MAX = 40


def paper_values(survey: Survey, typed: Mapping[str, str]) -> dict[str, list[str]]:
    """The keyed fields (``p<id>``, ``p<id>-other``) as the web form would have sent them."""
    values: dict[str, list[str]] = {}
    for question in survey.questions:
        key = f"q{question.id}"
        text = unicodedata.normalize("NFKC", typed.get(f"p{question.id}", "") or "").strip()
        if question.kind in ("single", "scale", "multiple"):
            values[key] = [part for part in re.split(r"[\s,、・]+", text) if part]
            values[f"{key}-other"] = [typed.get(f"p{question.id}-other", "") or ""]
        elif question.kind == "matrix":
            digits = text.replace(" ", "")
            for row in range(len(question.rows)):
                mark = digits[row] if row < len(digits) else "-"
                values[f"{key}-r{row}"] = [] if mark == "-" else [mark]
            if len(digits) > len(question.rows):
                values[f"{key}-r0"] = ["x"]  # more digits than rows: refused as a bad choice
        else:
            values[key] = [typed.get(f"p{question.id}", "") or ""]
    return values


def keyed_fields(survey: Survey, form: Mapping[str, str]) -> dict[str, str]:
    """Only the answer fields of a posted form, to keep with a keying."""
    names = [name for question in survey.questions for name in (f"p{question.id}", f"p{question.id}-other")]
    return {name: str(form.get(name, "") or "")[:answering.TEXT_MAX] for name in names if form.get(name)}


def read_keyed(survey: Survey, fields: Mapping[str, str]) -> answering.ReadAnswer:
    return answering.read_answers(survey, paper_values(survey, fields))


def _by_question(read: answering.ReadAnswer) -> dict[int, tuple]:
    values: dict[int, list] = {}
    for item in read.items:
        values.setdefault(item["question_id"], []).append(
            (item["row"], item["choice"], None if item["number"] is None else str(item["number"]), item["text"]))
    return {question_id: tuple(sorted(found)) for question_id, found in values.items()}


@dataclass
class Difference:
    """One question (or the group, ``question`` None) where two keyings read differently."""

    question: Question | None
    first: str
    second: str


def differences(survey: Survey, first: Keying, second: Keying) -> list[Difference]:
    """What the two keyings read differently, question by question, as each was typed."""
    found = []
    if first.group_id != second.group_id:
        found.append(Difference(None, first.group.label, second.group.label))
    one, two = _by_question(read_keyed(survey, first.fields)), _by_question(read_keyed(survey, second.fields))
    for question in survey.questions:
        if one.get(question.id) != two.get(question.id):
            found.append(Difference(question, _as_typed(question, first.fields), _as_typed(question, second.fields)))
    return found


def _as_typed(question: Question, fields: Mapping[str, str]) -> str:
    typed = fields.get(f"p{question.id}", "")
    other = fields.get(f"p{question.id}-other", "")
    return f"{typed}（{other}）" if other else typed


def form_key(survey: Survey, code: str, number: str) -> str:
    """How a pending keying knows its form: the code's keyed hash, or the form number staff wrote."""
    if survey.uses_codes:
        if not answering.normalize_code(code):
            raise SurveyError("code_missing", "code")
        return "h:" + answering.code_hash(code)
    number = unicodedata.normalize("NFKC", number or "").strip()
    if not number:
        raise SurveyError("form_number_missing", "number")
    if len(number) > FORM_NUMBER_MAX:
        raise SurveyError("form_number_long", "number")
    return "n:" + number


def pending(survey: Survey, key: str) -> list[Keying]:
    return list(db.session.scalars(select(Keying).where(Keying.survey_id == survey.id, Keying.form_key == key)
                                   .order_by(Keying.id).with_for_update()))


@dataclass
class Keyed:
    """What keying a form did: ``stored`` an answer (alone, or two keyings agreed), ``waiting`` for
    a second keying, or ``differs`` (the pair waits for staff to settle it)."""

    outcome: str
    keying: Keying | None = None


def key_form(survey: Survey, fields: dict[str, str], *, code: str = "", number: str = "",
             group_id: int | None = None, actor) -> Keyed:
    """Key one paper form. A form with a keying pending is its second keying, whatever the switch
    says now; otherwise with second keying off the answer is stored at once."""
    read = read_keyed(survey, fields)
    if read.errors:
        raise SurveyError("invalid")
    answering.check_open(survey, "paper", utcnow())
    key = form_key(survey, code, number) if survey.second_keying or survey.uses_codes else ""
    earlier = pending(survey, key) if key else []
    if not earlier and not survey.second_keying:
        answering.keep_answer(survey, read, channel="paper", code=code, group_id=group_id)
        record_audit("survey.paper_entry", survey, actor=actor)
        return Keyed("stored")
    if len(earlier) > 1:
        raise SurveyError("keying_differs")
    if not earlier:
        group = answering.claim_code(survey, code) if survey.uses_codes else _group_of(survey, group_id)
        keying = Keying(survey_id=survey.id, form_key=key, group_id=group, fields=fields,
                        keyed_by_id=getattr(actor, "id", None), keyed_at=utcnow())
        db.session.add(keying)
        db.session.flush()
        record_audit("survey.paper_first_keying", survey, actor=actor)
        return Keyed("waiting", keying)
    first = earlier[0]
    group = first.group_id if survey.uses_codes else _group_of(survey, group_id)
    second = Keying(survey_id=survey.id, form_key=key, group_id=group, fields=fields,
                    keyed_by_id=getattr(actor, "id", None), keyed_at=utcnow())
    db.session.add(second)
    db.session.flush()
    if differences(survey, first, second):
        record_audit("survey.paper_keyings_differ", survey, actor=actor)
        return Keyed("differs", first)
    _store(survey, read, first.group_id, [first, second])
    record_audit("survey.paper_keyings_agree", survey, actor=actor)
    return Keyed("stored")


def _group_of(survey: Survey, group_id: int | None) -> int:
    if group_id is None or group_id not in {group.id for group in survey.groups}:
        raise SurveyError("group_missing", "group")
    return group_id


def _store(survey: Survey, read: answering.ReadAnswer, group_id: int, keyings: list[Keying]) -> SurveyAnswer:
    """The answer (its code was claimed at the first keying), then the keyings go, hash and all."""
    answer = answering.insert_answer(survey, read, channel="paper", group_id=group_id)
    for keying in keyings:
        db.session.delete(keying)
    db.session.flush()
    return answer


def pair_of(survey: Survey, keying_id: int) -> list[Keying]:
    """The keyings of the form that ``keying_id`` belongs to, first keying first; empty if none."""
    keying = db.session.get(Keying, keying_id)
    if keying is None or keying.survey_id != survey.id:
        return []
    return pending(survey, keying.form_key)


def resolve(survey: Survey, keying_id: int, picks: Mapping[str, str], typed: Mapping[str, str], *,
            actor) -> SurveyAnswer:
    """Settle a pair that differs: for each difference ``picks`` says "1", "2" or "new" (then the
    value is in ``typed``, keyed again); the group, when it differs, is picked "1" or "2". What the
    two agree on is kept. The answer is stored and both keyings deleted."""
    pair = pair_of(survey, keying_id)
    if len(pair) != 2:
        raise SurveyError("keying_gone")
    first, second = pair
    answering.check_open(survey, "paper", utcnow())
    fields = dict(first.fields)
    group_id = first.group_id
    missing = []
    for difference in differences(survey, first, second):
        name = "group" if difference.question is None else f"q{difference.question.id}"
        pick = picks.get(name, "")
        if difference.question is None:
            if pick not in ("1", "2"):
                missing.append(name)
            else:
                group_id = first.group_id if pick == "1" else second.group_id
            continue
        source = {"1": first.fields, "2": second.fields, "new": typed}.get(pick)
        if source is None:
            missing.append(name)
            continue
        for field_name in (f"p{difference.question.id}", f"p{difference.question.id}-other"):
            fields.pop(field_name, None)
            if source.get(field_name):
                fields[field_name] = str(source[field_name])[:answering.TEXT_MAX]
    if missing:
        raise SurveyError("pick_missing", missing=missing)
    read = read_keyed(survey, fields)
    if read.errors:
        raise SurveyError("invalid", **{"errors": read.errors})
    answer = _store(survey, read, group_id, [first, second])
    record_audit("survey.paper_keyings_resolve", survey, actor=actor)
    return answer


def unresolved(survey: Survey) -> tuple[list[Keying], list[Keying]]:
    """(first keyings waiting for a second, first keyings of pairs that differ), oldest first."""
    counts = dict(db.session.execute(select(Keying.form_key, func.count()).where(Keying.survey_id == survey.id)
                                     .group_by(Keying.form_key)).all())
    firsts = db.session.scalars(select(Keying).where(Keying.survey_id == survey.id).order_by(Keying.id)).all()
    seen: set[str] = set()
    waiting, differ = [], []
    for keying in firsts:
        if keying.form_key in seen:
            continue
        seen.add(keying.form_key)
        (differ if counts[keying.form_key] > 1 else waiting).append(keying)
    return waiting, differ


def set_second_keying(survey: Survey, on: bool, *, actor) -> None:
    """Switch second keying; keyings already waiting stay and are finished the same way."""
    survey.second_keying = on
    db.session.flush()
    record_audit("survey.second_keying_on" if on else "survey.second_keying_off", survey, actor=actor)
