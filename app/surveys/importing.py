"""Import of a data-entry company's file: one row per returned paper form, an answer code column
(when the survey uses codes) and one column per question, keyed as on the paper entry page
(numbers for choices, a matrix one digit per row, "-" for a blank row).

The file is read through ``app.core.tabular`` (CSV in UTF-8 with or without BOM or in Shift_JIS, or
XLSX without formulas). Every row is checked first and each refused row is reported with its row
number and column; nothing is written until the whole file is clean, and then every answer goes in
one transaction. A code the file uses counts as used, as on paper: one already used (on the web,
on paper, or by another row of the file) refuses that row.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.core import spreadsheet, tabular
from app.core.audit import record_audit
from app.core.tabular import MB, RowProblem
from app.core.timeutil import utcnow
from app.extensions import db
from app.surveys import answering
from app.surveys.keying import paper_values
from app.surveys.messages import error_message
from app.surveys.models import AnswerCode, Question, Survey

MAX_BYTES = 10 * MB
MAX_UNPACKED_BYTES = 50 * MB
MAX_ROWS = 10_000
MAX_BLANK_ROWS = 10_000
CODE_HEADERS = ("回答コード", "answer_code", "code")
GROUP_HEADERS = ("調査対象", "group")
OTHER_SUFFIX = "その他"
QUESTION_HEADER = re.compile(r"^(?:Q|問)(\d+)[-_ ]?(OTHER|その他)?$")
LOOKUP_BATCH = 500


class SurveyImportError(tabular.TabularFileError):
    """The file as a whole cannot be imported: the reader's codes, ``columns_unknown`` or
    ``code_taken`` (a code used on the web between the check and the import)."""

    def describe(self) -> str:
        if self.code == "columns_unknown":
            return _("The header row has columns this survey does not have: %(names)s. Use the template's "
                     "headers (回答コード, Q1, Q2 …).", **self.params)
        if self.code == "code_taken":
            return _("Row %(line)d: its answer code was used on the web a moment ago. Nothing was imported; "
                     "upload the file again to see which rows to correct.", **self.params)
        return super().describe()


@dataclass
class ImportRow:
    line: int
    group_id: int
    code_id: int | None
    read: answering.ReadAnswer


def _header_key(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell).strip().upper().replace("　", " ")


def _columns(survey: Survey, header: list) -> tuple[dict[str, int], dict[str, int]]:
    """(``code``/``group`` -> index, ``p<id>``/``p<id>-other`` -> index), refusing unknown or missing columns."""
    by_number = {question.number: question for question in survey.questions}
    special: dict[str, int] = {}
    fields: dict[str, int] = {}
    unknown = []
    for index, cell in enumerate(header):
        text = str(cell).strip()
        if not text:
            continue
        if text in CODE_HEADERS or text.lower() in CODE_HEADERS:
            special.setdefault("code", index)
            continue
        if text in GROUP_HEADERS or text.lower() in GROUP_HEADERS:
            special.setdefault("group", index)
            continue
        match = QUESTION_HEADER.match(_header_key(text))
        question = by_number.get(int(match.group(1))) if match else None
        if question is None or (match.group(2) and not question.has_other):
            unknown.append(text)
            continue
        fields.setdefault(f"p{question.id}-other" if match.group(2) else f"p{question.id}", index)
    if unknown:
        raise SurveyImportError("columns_unknown", names=", ".join(unknown[:10]))
    missing = [header_of(question) for question in survey.questions if f"p{question.id}" not in fields]
    if survey.uses_codes and "code" not in special:
        missing.insert(0, CODE_HEADERS[0])
    if not survey.uses_codes and len(survey.groups) > 1 and "group" not in special:
        missing.insert(0, GROUP_HEADERS[0])
    if missing:
        raise SurveyImportError("columns", missing=", ".join(missing))
    return special, fields


def header_of(question: Question, other: bool = False) -> str:
    return f"Q{question.number}{OTHER_SUFFIX if other else ''}"


def _cell(cells: list, index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _codes(survey: Survey, hashes: set[str]) -> dict[str, AnswerCode]:
    found: dict[str, AnswerCode] = {}
    ordered = sorted(hashes)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        batch = ordered[start:start + LOOKUP_BATCH]
        found.update({row.code_hash: row for row in db.session.scalars(
            select(AnswerCode).where(AnswerCode.survey_id == survey.id, AnswerCode.code_hash.in_(batch)))})
    return found


def parse(stream: BinaryIO, survey: Survey) -> tuple[list[ImportRow], list[RowProblem]]:
    """Check every row; returns the rows ready to import and the problems of the others."""
    table = tabular.read_rows(stream, max_unpacked=MAX_UNPACKED_BYTES, error=SurveyImportError)
    header = next(table, None)
    if header is None:
        raise SurveyImportError("empty")
    if formulas := tabular.formula_cells(header, range(len(header))):
        raise SurveyImportError("formulas", cells=formulas)
    special, fields = _columns(survey, header)
    used_columns = [*special.values(), *fields.values()]
    lines = []
    formulas = []
    for line, cells in tabular.data_rows(table, max_rows=MAX_ROWS, max_blank=MAX_BLANK_ROWS, error=SurveyImportError):
        if found := tabular.formula_cells(cells, used_columns):
            formulas.extend(found)
            continue
        lines.append((line, cells))
    if formulas:
        raise SurveyImportError("formulas", cells=formulas)
    if not lines:
        raise SurveyImportError("empty")
    hashes = {answering.code_hash(_cell(cells, special.get("code"))) for _line, cells in lines
              if answering.normalize_code(_cell(cells, special.get("code")))} if survey.uses_codes else set()
    codes = _codes(survey, hashes)
    groups = {group.label: group.id for group in survey.groups}
    seen: dict[str, int] = {}
    rows, problems = [], []
    for line, cells in lines:
        reasons: list[str] = []
        group_id, code_id = _row_group(survey, cells, special, groups, codes, seen, line, reasons)
        read = answering.read_answers(survey, paper_values(survey, {name: _cell(cells, index)
                                                                    for name, index in fields.items()}))
        for question in survey.questions:
            if question.id in read.errors:
                reasons.append(_("%(column)s: %(message)s", column=header_of(question),
                                 message=error_message(read.errors[question.id])))
        if reasons:
            problems.append(RowProblem(line, reasons))
        else:
            rows.append(ImportRow(line, group_id, code_id, read))
    return rows, problems


def _row_group(survey, cells, special, groups, codes, seen, line, reasons) -> tuple[int | None, int | None]:
    """The row's group and code: the code's group on a survey with codes, else the group column."""
    label = _cell(cells, special.get("group"))
    column = CODE_HEADERS[0]
    if not survey.uses_codes:
        if not label and len(survey.groups) == 1:
            return survey.groups[0].id, None
        if label not in groups:
            reasons.append(_("%(column)s: write one of %(labels)s", column=GROUP_HEADERS[0],
                             labels="、".join(groups)))
            return None, None
        return groups[label], None
    code = _cell(cells, special.get("code"))
    if not answering.normalize_code(code):
        reasons.append(_("%(column)s: %(message)s", column=column, message=error_message("code_missing")))
        return None, None
    digest = answering.code_hash(code)
    row = codes.get(digest)
    if row is None:
        reasons.append(_("%(column)s: %(message)s", column=column, message=error_message("code_unknown")))
    elif row.used:
        reasons.append(_("%(column)s: %(message)s", column=column, message=error_message("code_used")))
    elif digest in seen:
        reasons.append(_("%(column)s: the same code as row %(line)d; each form answers once", column=column,
                         line=seen[digest]))
    else:
        seen[digest] = line
        if label and groups.get(label) != row.group_id:
            reasons.append(_("%(column)s: this code belongs to another group", column=GROUP_HEADERS[0]))
        return row.group_id, row.id
    return None, None


def import_rows(survey: Survey, rows: list[ImportRow], *, filename: str, actor) -> int:
    """Every row in the caller's one transaction: each code claimed (refused as a whole if one was
    used a moment ago) and each answer inserted with its group, never its code."""
    if not rows:
        raise SurveyImportError("empty")
    now = utcnow()
    answering.check_open(survey, "paper", now)
    for row in rows:
        if row.code_id is not None:
            claimed = db.session.execute(
                update(AnswerCode).where(AnswerCode.id == row.code_id, AnswerCode.used.is_(False)).values(used=True)
                .execution_options(synchronize_session=False))
            if claimed.rowcount != 1:
                raise SurveyImportError("code_taken", line=row.line)
        answering.insert_answer(survey, row.read, channel="paper", group_id=row.group_id, now=now)
    record_audit("survey.import", survey, actor=actor, details={"count": len(rows), "file": filename[:200]})
    db.session.flush()
    return len(rows)


def template_csv(survey: Survey) -> bytes:
    """The header row the import expects, in UTF-8 with a BOM so that Excel opens it correctly."""
    headers = [CODE_HEADERS[0]] if survey.uses_codes else [GROUP_HEADERS[0]]
    for question in survey.questions:
        headers.append(header_of(question))
        if question.has_other:
            headers.append(header_of(question, other=True))
    return spreadsheet.csv_text(headers, []).encode("utf-8")
