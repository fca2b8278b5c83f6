"""Reading a file of rows a person or a company typed: CSV (UTF-8 with or without BOM, or Shift_JIS
as Japanese Excel writes it) or XLSX, one row at a time, whatever the format.

Every import (paper submissions, survey forms keyed by a data-entry company) reads through here, so
the limits hold for all of them: a file is refused as soon as it crosses one (bytes, what a workbook
unpacks to, rows, blank rows, line length), and a hostile or mistaken file costs no more than a
valid one. A live XLSX formula is never read as its cached value: it comes out as ``Formula`` and
the importer refuses it. What each import does with a row, and its own limits, stay with it.
"""

import codecs
import csv
import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO

import filetype
from flask_babel import gettext as _

from app.core.errors import DomainError

MB = 1024 * 1024
CHUNK = 64 * 1024
# One physical line of a CSV: far above any one row we take, low enough that a file without line
# breaks is refused before it is held as one string.
MAX_LINE_CHARS = 100_000
# Columns read from a sheet: its declared width (up to 16,384) would otherwise pad every row to it.
MAX_XLSX_COLUMNS = 64
FORMULA_CELLS_SHOWN = 10


class TabularFileError(DomainError):
    """The file as a whole cannot be imported: ``code`` is kind, encoding, empty, columns, too_large,
    too_large_unpacked, too_many_rows, too_many_blank_rows, line_too_long, malformed or formulas.
    An importer with rules of its own subclasses this and words its extra codes."""

    def __init__(self, code: str, **params):
        super().__init__(code, **params)

    def describe(self) -> str:
        params = self.params
        messages = {
            "empty": lambda: _("The file has no rows to import."),
            "kind": lambda: _("Upload a CSV or XLSX file."),
            "encoding": lambda: _("The file could not be read as UTF-8 or Shift_JIS text. Save it as CSV (UTF-8)."),
            "columns": lambda: _("The header row lacks these columns: %(missing)s.", **params),
            "too_many_rows": lambda: _("The file has more than %(max)d rows. Split it into smaller files.",
                                       **params),
            "too_large": lambda: _("The file is larger than %(mb)d MB.", **params),
            "too_large_unpacked": lambda: _("The workbook unpacks to more than %(mb)d MB. Save it as CSV and upload "
                                            "that instead.", **params),
            "too_many_blank_rows": lambda: _("The file has more than %(max)d empty rows. Delete the empty rows and "
                                             "upload it again.", **params),
            "line_too_long": lambda: _("Line %(line)d is longer than %(max)d characters. Check that the file is a "
                                       "CSV with one record per row.", **params),
            "malformed": lambda: _("Line %(line)d could not be read as CSV. Save the file as CSV again from Excel "
                                   "or a similar program.", **params),
            "formulas": lambda: _("%(cells)s: cells with formulas cannot be imported. Convert them to values (copy "
                                  "them, then paste as values) and upload the file again.",
                                  cells=cell_list(params["cells"])),
        }
        return messages[self.code]() if self.code in messages else super().describe()


@dataclass(frozen=True)
class Formula:
    """An XLSX cell holding a live formula: what it shows is up to Excel, so it is not imported."""

    coordinate: str


@dataclass
class RowProblem:
    """A row refused, by its number as the spreadsheet shows it, with every reason."""

    line: int
    reasons: list[str] = field(default_factory=list)


def cell_list(cells: list[str]) -> str:
    shown = ", ".join(cells[:FORMULA_CELLS_SHOWN])
    if len(cells) <= FORMULA_CELLS_SHOWN:
        return shown
    return _("%(cells)s and %(count)d more", cells=shown, count=len(cells) - FORMULA_CELLS_SHOWN)


def norm_cell(value) -> str:
    """A cell as text: full-width letters and digits folded (NFKC), dates as ISO, no outer spaces."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def fingerprint(stream: BinaryIO, max_bytes: int, error=TabularFileError) -> str:
    """The sha256 of the file, read in chunks and refused as soon as it passes ``max_bytes``; the
    stream is left at its start."""
    digest, size = hashlib.sha256(), 0
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise error("too_large", mb=max_bytes // MB)
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def read_rows(stream: BinaryIO, *, max_unpacked: int, error=TabularFileError) -> Iterator[list]:
    """The rows of the file one at a time, the header first, each a list of cells as text (or
    ``Formula``). ``error`` is the class raised, so that an importer's callers catch its own."""
    stream.seek(0)
    head = stream.read(8192)  # as much as filetype looks at
    stream.seek(0)
    if not head:
        raise error("empty")
    kind = filetype.guess(head)
    if kind is not None and kind.extension in ("xlsx", "zip"):
        yield from _xlsx_rows(stream, max_unpacked, error)
        return
    if kind is not None or b"\x00" in head[:4096]:
        raise error("kind")
    text = io.TextIOWrapper(stream, encoding=_encoding(stream, error), newline="")
    line = 1  # counted as rows, as Excel numbers them and as the rows' problems are reported
    try:
        for row in csv.reader(_lines(text, error)):
            yield [norm_cell(cell) for cell in row]
            line += 1
    except csv.Error as exc:  # a cell past csv's field limit, a NUL byte past the first 4 KB
        raise error("malformed", line=line) from exc
    finally:
        text.detach()  # the caller's stream stays open: the view may still store it


def data_rows(table: Iterator[list], *, max_rows: int, max_blank: int,
              error=TabularFileError) -> Iterator[tuple[int, list]]:
    """The rows after the header as (row number, cells), skipping empty rows, refused past the limits."""
    count = blank = 0
    for line, cells in enumerate(table, start=2):
        if not any(cells):
            blank += 1
            if blank > max_blank:
                raise error("too_many_blank_rows", max=max_blank)
            continue
        count += 1
        if count > max_rows:
            raise error("too_many_rows", max=max_rows)
        yield line, cells


def formula_cells(cells: list, indexes: Iterable[int]) -> list[str]:
    return [cells[index].coordinate for index in indexes
            if index < len(cells) and isinstance(cells[index], Formula)]


def _encoding(stream: BinaryIO, error) -> str:
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
    raise error("encoding")


def _lines(text: io.TextIOWrapper, error) -> Iterator[str]:
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise error("line_too_long", line=number, max=MAX_LINE_CHARS)
        yield line


def _xlsx_rows(stream: BinaryIO, max_unpacked: int, error) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise error("kind") from exc
    if unpacked > max_unpacked:  # zipfile stops at the declared sizes, so these hold
        raise error("too_large_unpacked", mb=max_unpacked // MB)
    stream.seek(0)
    try:
        # Not data_only: a formula cell must be seen as a formula, not as the value Excel last cached
        # (or as empty, when nothing cached one).
        book = load_workbook(stream, read_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # a zip that is not a workbook
        raise error("kind") from exc
    try:
        for row in sheet.iter_rows(max_col=MAX_XLSX_COLUMNS):
            yield [Formula(cell.coordinate) if cell.data_type == "f" else norm_cell(cell.value) for cell in row]
    finally:
        book.close()
