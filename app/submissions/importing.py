"""Batch import of transcribed paper submissions from CSV (UTF-8, with or without BOM, or Shift_JIS
as Japanese Excel writes it) or XLSX.

The file is read a row at a time and refused as soon as it crosses a limit (bytes, rows, blank
rows, line length), so a hostile or mistaken file costs no more than a valid one. Every row is
checked first and each rejected row is reported with its reasons; nothing is written until the
whole file is clean, and then every row goes in one transaction with its receipt number. A file is
known by its sha256: the same file imported into a period twice is refused.
"""

import codecs
import csv
import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

import filetype
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from app.core import spreadsheet
from app.core.audit import record_audit
from app.core.errors import DomainError
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
MB = 1024 * 1024
MAX_BYTES = 20 * MB
# One physical line of a CSV: far above an opinion (body_max_length is at most 20,000 characters) and
# low enough that a file without line breaks is refused before it is held as one string.
MAX_LINE_CHARS = 100_000
# An XLSX is a zip: what it unpacks to is what openpyxl reads (its shared strings all at once).
MAX_UNPACKED_BYTES = 100 * MB
# Columns read from a sheet: its declared width (up to 16,384) would otherwise pad every row to it.
MAX_XLSX_COLUMNS = 64
FORMULA_CELLS_SHOWN = 10
CHUNK = 64 * 1024
# Rows written, and indexed for search, together: a batch's bigrams are held in memory at once.
FLUSH_EVERY = 100
PHONE = re.compile(r"^[0-9+\-() ]{6,20}$")


class ImportFileError(DomainError):
    """The file as a whole cannot be imported: ``code`` is kind, encoding, empty, columns, too_large,
    too_large_unpacked, too_many_rows, too_many_blank_rows, line_too_long, malformed, formulas or
    already_imported."""

    def __init__(self, code: str, **params):
        super().__init__(code, **params)

    def describe(self) -> str:
        from app.submissions.messages import import_file_message  # the wording imports this class

        return import_file_message(self)


@dataclass(frozen=True)
class Formula:
    """An XLSX cell holding a live formula: what it shows is up to Excel, so it is not imported."""

    coordinate: str


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


def fingerprint(stream: BinaryIO) -> str:
    """The sha256 of the file, read in chunks and refused as soon as it passes ``MAX_BYTES``; the
    stream is left at its start."""
    digest, size = hashlib.sha256(), 0
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > MAX_BYTES:
            raise ImportFileError("too_large", mb=MAX_BYTES // MB)
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def check_not_imported(period_id: int, sha256: str) -> None:
    """Refuse a file whose very bytes were imported into this period before."""
    earlier = db.session.scalar(select(ImportedFile).where(ImportedFile.period_id == period_id,
                                                           ImportedFile.sha256 == sha256))
    if earlier is not None:
        raise ImportFileError("already_imported", when=earlier.imported_at, count=earlier.count,
                              first=earlier.first_receipt_no, last=earlier.last_receipt_no)


def read_rows(stream: BinaryIO) -> Iterator[list]:
    """The rows of the file one at a time, the header first, each a list of cells as text (or
    ``Formula``), whatever the file's format and encoding."""
    stream.seek(0)
    head = stream.read(8192)  # as much as filetype looks at
    stream.seek(0)
    if not head:
        raise ImportFileError("empty")
    kind = filetype.guess(head)
    if kind is not None and kind.extension in ("xlsx", "zip"):
        yield from _xlsx_rows(stream)
        return
    if kind is not None or b"\x00" in head[:4096]:
        raise ImportFileError("kind")
    text = io.TextIOWrapper(stream, encoding=_encoding(stream), newline="")
    line = 1  # counted as rows, as Excel numbers them and as the rows' problems are reported
    try:
        for row in csv.reader(_lines(text)):
            yield [_norm(cell) for cell in row]
            line += 1
    except csv.Error as error:  # a cell past csv's field limit, a NUL byte past the first 4 KB
        raise ImportFileError("malformed", line=line) from error
    finally:
        text.detach()  # the caller's stream stays open: the view may still store it


def _encoding(stream: BinaryIO) -> str:
    """UTF-8 (a BOM or none) if the whole file decodes as that, else Shift_JIS as Excel writes it,
    decided in chunks without holding the text."""
    for encoding in ("utf-8-sig", "cp932"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
        return encoding
    raise ImportFileError("encoding")


def _lines(text: io.TextIOWrapper) -> Iterator[str]:
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError("line_too_long", line=number, max=MAX_LINE_CHARS)
        yield line


def _xlsx_rows(stream: BinaryIO) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError("kind") from exc
    if unpacked > MAX_UNPACKED_BYTES:  # zipfile stops at the declared sizes, so these hold
        raise ImportFileError("too_large_unpacked", mb=MAX_UNPACKED_BYTES // MB)
    stream.seek(0)
    try:
        # Not data_only: a formula cell must be seen as a formula, not as the value Excel last cached
        # (or as empty, when nothing cached one).
        book = load_workbook(stream, read_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # a zip that is not a workbook
        raise ImportFileError("kind") from exc
    try:
        for row in sheet.iter_rows(max_col=MAX_XLSX_COLUMNS):
            yield [Formula(cell.coordinate) if cell.data_type == "f" else _norm(cell.value) for cell in row]
    finally:
        book.close()


def _formula_cells(cells: list, indexes) -> list[str]:
    return [cells[index].coordinate for index in indexes
            if index < len(cells) and isinstance(cells[index], Formula)]


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
    if formulas := _formula_cells(header, range(len(header))):
        raise ImportFileError("formulas", cells=formulas)
    columns = _header_map(header)
    attributes = dict(attribute_pairs("ja"))  # files from the office name the attribute in Japanese
    by_label = {label: code for code, label in attributes.items()}
    rows, problems, formulas = [], [], []
    count = blank = 0
    for line, cells in enumerate(table, start=2):
        if not any(cells):
            blank += 1
            if blank > MAX_BLANK_ROWS:
                raise ImportFileError("too_many_blank_rows", max=MAX_BLANK_ROWS)
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError("too_many_rows", max=MAX_ROWS)
        if found := _formula_cells(cells, columns.values()):
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
        # A batch at a time (create_submission announces only when it flushes): the search index of
        # 20,000 opinions built at once held millions of bigrams, gigabytes, in the worker.
        services.announce_created(batch)
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
