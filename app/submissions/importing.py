"""Batch import of transcribed paper submissions from CSV (UTF-8, with or without BOM, or Shift_JIS
as Japanese Excel writes it) or XLSX.

Every row is checked first and each rejected row is reported with its reasons; nothing is written
until the whole file is clean, and then every row goes in one transaction with its receipt number.
A file is known by its sha256: the same file imported into a period twice is refused.
"""

import csv
import io
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import filetype
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.timeutil import jst_start_of_day
from app.extensions import db
from app.periods.models import CommentPeriod
from app.periods.services import attribute_pairs
from app.submissions import services
from app.submissions.models import ImportedFile, Submission

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
MAX_BYTES = 20 * 1024 * 1024
FLUSH_EVERY = 500
PHONE = re.compile(r"^[0-9+\-() ]{6,20}$")


class ImportFileError(Exception):
    """The file as a whole cannot be imported: ``code`` is kind, encoding, empty, columns, too_large,
    too_many_rows or already_imported."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class ImportRow:
    line: int
    received_on: date
    channel: str
    received: services.Received


@dataclass
class RowProblem:
    line: int
    reasons: list[str]


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def check_not_imported(period_id: int, sha256: str) -> None:
    """Refuse a file whose very bytes were imported into this period before."""
    earlier = db.session.scalar(select(ImportedFile).where(ImportedFile.period_id == period_id,
                                                           ImportedFile.sha256 == sha256))
    if earlier is not None:
        raise ImportFileError("already_imported", when=earlier.imported_at, count=earlier.count,
                              first=earlier.first_receipt_no, last=earlier.last_receipt_no)


def read_table(data: bytes) -> list[list[str]]:
    """Rows of cells as text, the header first, whatever the file's format and encoding."""
    if not data:
        raise ImportFileError("empty")
    kind = filetype.guess(data)
    if kind is not None and kind.extension in ("xlsx", "zip"):
        return _read_xlsx(data)
    if kind is not None or b"\x00" in data[:4096]:
        raise ImportFileError("kind")
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [[_norm(cell) for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    raise ImportFileError("encoding")


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # a zip that is not a workbook
        raise ImportFileError("kind") from exc
    return [[_norm(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


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


def parse(data: bytes, period: CommentPeriod, today: date,
          progress: Callable[[int], None] | None = None) -> tuple[list[ImportRow], list[RowProblem]]:
    """Check every row; returns the rows ready to import and the problems of the others."""
    table = read_table(data)
    if not table:
        raise ImportFileError("empty")
    columns = _header_map(table[0])
    body = [(line, row) for line, row in enumerate(table[1:], start=2) if any(row)]
    if not body:
        raise ImportFileError("empty")
    if len(body) > MAX_ROWS:
        raise ImportFileError("too_many_rows", max=MAX_ROWS)
    attributes = dict(attribute_pairs())
    by_label = {label: code for code, label in attributes.items()}
    rows, problems = [], []
    for count, (line, cells) in enumerate(body, start=1):
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
            progress(count * 100 // len(body))
    return rows, problems


def _date_reason(code: str) -> str:
    return {"received_in_future": _("in the future"), "received_before_open": _("before the period opened"),
            "received_late": _("after the period closed")}[code]


def import_rows(period_id: int, rows: list[ImportRow], *, file_sha256: str, actor) -> list[Submission]:
    """All rows in the caller's one transaction, numbered in file order under the period's lock, and
    the file remembered so that it is not imported again (checked again here: two staff may upload it
    at once)."""
    period = services.lock_period(period_id)
    services.check_paper_period(period)
    check_not_imported(period.id, file_sha256)
    created = []
    for index, row in enumerate(rows, start=1):
        created.append(services.create_submission(
            period, row.received, channel=row.channel, received_at=jst_start_of_day(row.received_on),
            idempotency_key=secrets.token_urlsafe(24), actor=actor, flush=False))
        if index % FLUSH_EVERY == 0:
            db.session.flush()
    db.session.flush()
    services.announce_created(created)  # once, for all rows: create_submission announces only when it flushes
    if created:
        db.session.add(ImportedFile(period_id=period.id, sha256=file_sha256, count=len(created),
                                    first_receipt_no=created[0].receipt_no, last_receipt_no=created[-1].receipt_no))
        record_audit("submission.import", period, actor=actor, details={
            "count": len(created), "first": created[0].receipt_no, "last": created[-1].receipt_no,
            "sha256": file_sha256})
        db.session.flush()
    return created


def template_csv() -> bytes:
    """The columns with one example row, in UTF-8 with a BOM so that Excel opens it correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS_JA[key] for key in COLUMNS])
    writer.writerow(["2025-11-04", "FAX", "下関 太郎", "下関市南部町1-1", "在住", "", "083-000-0000",
                     "ここに意見の本文を書き写します。"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
