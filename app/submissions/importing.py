"""Batch import of transcribed paper submissions from CSV (UTF-8, with or without BOM, or Shift_JIS
as Japanese Excel writes it) or XLSX.

The file is read a row at a time through ``app.core.tabular`` and refused as soon as it crosses a
limit (bytes, rows, blank rows, line length), so a hostile or mistaken file costs no more than a
valid one. Every row is
checked first and each rejected row is reported with its reasons; nothing is written until the
whole file is clean, and then every row goes in one transaction with its receipt number. A file is
known by its sha256: the same file imported into a period twice is refused.
"""

import csv  # noqa: F401  (tests count the rows the reader hands out through importing.csv)
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from app.core import spreadsheet, tabular
from app.core.audit import record_audit
from app.core.tabular import CHUNK, FORMULA_CELLS_SHOWN, MAX_LINE_CHARS, MB, RowProblem  # noqa: F401  (named here)
from app.core.timeutil import jst_start_of_day
from app.extensions import db
from app.periods.models import CommentPeriod
from app.periods.services import attribute_pairs
from app.submissions import services
from app.submissions.models import ImportedFile

COLUMNS = ("received_date", "channel", "name", "address", "attribute", "email", "phone", "body")
HEADERS_JA = {"received_date": "受付日", "channel": "提出方法", "name": "氏名", "address": "住所", "attribute": "属性",
              "email": "メールアドレス", "phone": "電話番号", "body": "意見"}
CHANNEL_WORDS = {
    "email": ("email", "e-mail", "メール", "電子メール"),
    "fax": ("fax", "ファクス", "ファックス", "ファクシミリ"),
    "post": ("post", "mail", "郵送", "郵便"),
    "in_person": ("in_person", "in person", "持参", "窓口", "窓口持参"),
}
MAX_ROWS = 20000
# Excel leaves some empty rows below a table; a file that is mostly empty rows is a mistake (or worse).
MAX_BLANK_ROWS = 20000
MAX_BYTES = 20 * MB
# An XLSX is a zip: what it unpacks to is what openpyxl reads (its shared strings all at once).
MAX_UNPACKED_BYTES = 100 * MB
# Rows written a batch at a time: a flushed batch leaves the session's memory (it holds written rows weakly).
FLUSH_EVERY = 100
PHONE = re.compile(r"^[0-9+\-() ]{6,20}$")


class ImportFileError(tabular.TabularFileError):
    """The file as a whole cannot be imported: the reader's codes, or ``already_imported``."""

    def describe(self) -> str:
        if self.code == "already_imported":
            from app.submissions.messages import already_imported_message  # the wording imports this class

            return already_imported_message(self)
        return super().describe()


@dataclass
class ImportRow:
    line: int
    received_on: date
    channel: str
    received: services.Received


def fingerprint(stream: BinaryIO) -> str:
    """The sha256 of the file, refused as soon as it passes ``MAX_BYTES``; the stream is left at its start."""
    return tabular.fingerprint(stream, MAX_BYTES, ImportFileError)


def check_not_imported(period_id: int, sha256: str) -> None:
    """Refuse a file whose very bytes were imported into this period before."""
    earlier = db.session.scalar(select(ImportedFile).where(ImportedFile.period_id == period_id,
                                                           ImportedFile.sha256 == sha256))
    if earlier is not None:
        raise ImportFileError("already_imported", when=earlier.imported_at, count=earlier.count,
                              first=earlier.first_receipt_no, last=earlier.last_receipt_no)


def read_rows(stream: BinaryIO) -> Iterator[list]:
    """The rows of the file one at a time, the header first (``app.core.tabular``)."""
    return tabular.read_rows(stream, max_unpacked=MAX_UNPACKED_BYTES, error=ImportFileError)


def _header_map(header: list[str]) -> dict[str, int]:
    names = {key: key for key in COLUMNS} | {label: key for key, label in HEADERS_JA.items()}
    found = {}
    for index, cell in enumerate(header):
        key = names.get(cell.lower().replace(" ", "_")) or names.get(cell)
        if key and key not in found:
            found[key] = index
    missing = [key for key in COLUMNS if key not in found]
    if missing:
        raise ImportFileError("columns", missing=", ".join(f"{key} ({HEADERS_JA[key]})" for key in missing))
    return found


def _parse_date(text: str) -> date | None:
    match = re.fullmatch(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?(?:[ T].*)?", text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _channel(text: str) -> str | None:
    lowered = text.lower()
    return next((code for code, words in CHANNEL_WORDS.items() if lowered in words), None)


def parse(stream: BinaryIO, period: CommentPeriod, today: date,
          progress: Callable[[int], None] | None = None) -> tuple[list[ImportRow], list[RowProblem]]:
    """Check every row; returns the rows ready to import and the problems of the others.
    ``progress`` is told how many rows have been checked, every thousand."""
    table = read_rows(stream)
    header = next(table, None)
    if header is None:
        raise ImportFileError("empty")
    if formulas := tabular.formula_cells(header, range(len(header))):
        raise ImportFileError("formulas", cells=formulas)
    columns = _header_map(header)
    attributes = dict(attribute_pairs("ja"))  # files from the office name the attribute in Japanese
    by_label = {label: code for code, label in attributes.items()}
    rows, problems, formulas = [], [], []
    count = 0
    for line, cells in tabular.data_rows(table, max_rows=MAX_ROWS, max_blank=MAX_BLANK_ROWS, error=ImportFileError):
        count += 1
        if found := tabular.formula_cells(cells, columns.values()):
            formulas.extend(found)
            continue
        value = {key: cells[index] if index < len(cells) else "" for key, index in columns.items()}
        reasons: list[str] = []
        received_on = _parse_date(value["received_date"])
        if received_on is None:
            reasons.append(_("received date: write it as 2025-11-06"))
        else:
            try:
                services.check_paper_date(period, received_on, today)
            except services.SubmissionError as error:
                reasons.append(_("received date: %(reason)s", reason=_date_reason(error.code)))
        channel = _channel(value["channel"])
        if channel is None:
            reasons.append(_("channel: use email, fax, post or in_person (メール, FAX, 郵送, 持参)"))
        attribute = value["attribute"]
        attribute = by_label.get(attribute, attribute)
        if attribute and attribute not in attributes:
            reasons.append(_("attribute: unknown (%(known)s)", known=", ".join(attributes.values())))
        for key, limit in (("name", 100), ("address", 300)):
            if len(value[key]) > limit:
                reasons.append(_("%(column)s: longer than %(max)d characters", column=key, max=limit))
        if value["email"]:
            try:
                validate_email(value["email"], check_deliverability=False)
            except EmailNotValidError:
                reasons.append(_("email: not a valid address"))
        if value["phone"] and not PHONE.match(value["phone"]):
            reasons.append(_("phone: not a phone number"))
        text = value["body"].replace("\r\n", "\n").strip()
        if not text:
            reasons.append(_("body: empty"))
        elif len(text) > period.body_max_length:
            reasons.append(_("body: %(count)d characters, over the limit of %(max)d", count=len(text),
                             max=period.body_max_length))
        if reasons:
            problems.append(RowProblem(line, reasons))
        else:
            submitter = services.Submitter(name=value["name"], address=value["address"], attribute=attribute,
                                           email=value["email"], phone=value["phone"])
            rows.append(ImportRow(line, received_on, channel,
                                  services.Received(submitter=submitter, entries=[services.Entry(body=text)])))
        if progress and count % 1000 == 0:
            progress(count)
    if formulas:
        raise ImportFileError("formulas", cells=formulas)
    if not count:
        raise ImportFileError("empty")
    return rows, problems


def _date_reason(code: str) -> str:
    return {"received_in_future": _("in the future"), "received_before_open": _("before the period opened"),
            "received_late": _("after the period closed")}[code]


def import_rows(period_id: int, rows: list[ImportRow], *, file_sha256: str, actor) -> ImportedFile:
    """All rows in the caller's one transaction, numbered in file order under the period's lock, and
    the file remembered so that it is not imported again (checked again here: two staff may upload it
    at once). Returns that record: how many, and the first and last receipt numbers."""
    if not rows:
        raise ImportFileError("empty")
    period = services.lock_period(period_id)
    services.check_paper_period(period)
    check_not_imported(period.id, file_sha256)
    count, first, last = 0, "", ""
    for start in range(0, len(rows), FLUSH_EVERY):
        batch = [services.create_submission(period, row.received, channel=row.channel,
                                            received_at=jst_start_of_day(row.received_on),
                                            idempotency_key=secrets.token_urlsafe(24), actor=actor, flush=False)
                 for row in rows[start:start + FLUSH_EVERY]]
        db.session.flush()
        count, first, last = count + len(batch), first or batch[0].receipt_no, batch[-1].receipt_no
        # Nothing keeps the batch: the session holds written rows weakly, so they leave memory now.
    imported = ImportedFile(period_id=period.id, sha256=file_sha256, count=count, first_receipt_no=first,
                            last_receipt_no=last)
    db.session.add(imported)
    record_audit("submission.import", period, actor=actor,
                 details={"count": count, "first": first, "last": last, "sha256": file_sha256})
    db.session.flush()
    return imported


def template_csv() -> bytes:
    """The columns with one example row, in UTF-8 with a BOM so that Excel opens it correctly."""
    example = ["2025-11-04", "FAX", "下関 太郎", "下関市南部町1-1", "在住", "", "083-000-0000", "ここに意見の本文を書き写します。"]
    return spreadsheet.csv_text([HEADERS_JA[key] for key in COLUMNS], [example]).encode("utf-8")
