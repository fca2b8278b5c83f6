"""Files a spreadsheet opens — CSV and XLSX — written in one place.

Excel, LibreOffice and Google Sheets run a cell that starts with ``= + - @`` (or a tab or carriage
return, or spaces before them) as a formula: a citizen's ``=HYPERLINK(...)`` or ``@SUM(...)``
would then fetch addresses or run commands on a city PC that opens the file. Every CSV and XLSX
the product writes, public or staff, passes its cells through ``safe_cell`` (OWASP's CSV-injection
rule: such text gets a leading single quote), and XLSX text cells are typed as strings so that no
cell is ever read back as a formula or an error code.

CSV is UTF-8 with a BOM and CRLF lines: what Excel in Japan opens without garbling.
"""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

CSV_MIMETYPE = "text/csv"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
# The ASCII starts OWASP lists, and their full-width forms, which Japanese input methods type and
# which Excel in Japan also takes as the start of a formula.
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
CONTROL_STARTS = ("\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet must receive it: numbers stay numbers, None is empty, and text
    that would start a formula gets a leading ``'`` (which Excel shows as text, not as a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(CONTROL_STARTS) or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


class CsvWriter:
    """``csv.writer`` with every cell made safe; CRLF line ends."""

    def __init__(self, handle: TextIO):
        self._writer = csv.writer(handle, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(headers: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """The whole CSV as text, starting with the BOM."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return BOM + buffer.getvalue()


def write_csv(path: Path, headers: list[str], rows: Iterable[Iterable[Any]]) -> None:
    path.write_text(csv_text(headers, rows), encoding="utf-8", newline="")


def open_csv(path: Path) -> TextIO:
    """A file for ``CsvWriter`` that streams many rows: UTF-8 with a BOM."""
    return path.open("w", encoding="utf-8-sig", newline="")


def cell_value(value: Any) -> Any:
    """What a cell may hold: ``safe_cell``'s value, without the control characters XML cannot carry."""
    value = None if value is None else safe_cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """One row at the bottom of ``sheet``: text typed as a string, never a formula or an error code
    (openpyxl would read ``#N/A`` as one).

    Control characters XML cannot carry (a pasted form feed) are dropped instead of failing the file."""
    cells = [cell_value(value) for value in values]
    sheet.append(cells)
    if not cells:
        return
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def add_sheet(workbook: Workbook, title: str, headers: list[str], rows: Iterable[Iterable[Any]],
              widths: list[int], *, first: bool = False) -> Worksheet:
    """A sheet with a bold header row that stays in view, wrapped text and the given column widths."""
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    append_row(sheet, headers)
    for row in rows:
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def stream_sheet(workbook: Workbook, title: str, headers: list[str], rows: Iterable[Iterable[Any]],
                 widths: list[int]) -> Worksheet:
    """``add_sheet`` for a ``Workbook(write_only=True)``: rows go to disk as they come, so a sheet of
    any length holds one row in memory. Same cells: safe text typed as strings, a bold header row
    that stays in view, wrapped text, the given widths."""
    from openpyxl.cell import WriteOnlyCell

    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def cells(values, style: str) -> list:
        out = []
        for value in values:
            value = cell_value(value)
            cell = WriteOnlyCell(sheet, value)
            if isinstance(value, str):
                cell.data_type = "s"
            if style == "header":
                cell.font = bold
            else:
                cell.alignment = wrap
            out.append(cell)
        return out

    sheet.append(cells(headers, "header"))
    for row in rows:
        sheet.append(cells(row, "row"))
    return sheet
