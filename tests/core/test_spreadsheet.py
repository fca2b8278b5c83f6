"""The one place cells of CSV and XLSX files are made safe: formula starts are quoted, the rest kept."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from app.core.spreadsheet import add_sheet, csv_text, safe_cell
from tests.spreadsheets import FORMULAS


@pytest.mark.parametrize("text", [*FORMULAS, " @SUM(A1)", "\n=1", "＝1+1", "＋1", "－2", "＠SUM(A1)"])
def test_text_that_starts_a_formula_gets_a_leading_quote_and_keeps_the_rest(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["市民活動センターの開館時間を延ばしてください。", "083-231-1111", "2025-11-04 10:00",
                                  "a=b", "R-00012", "", "'already quoted", "ＡＢＣ"])
def test_ordinary_text_is_kept_as_it_is(text):
    assert safe_cell(text) == text


def test_numbers_stay_numbers_and_nothing_is_empty():
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(0) == 0
    assert safe_cell(None) == ""


def test_csv_has_a_bom_crlf_lines_and_quoted_formula_cells():
    text = csv_text(["番号", "意見"], [[1, "=1+1"], [2, "普通の意見"]])
    assert text.startswith("\ufeff番号,意見\r\n")
    assert list(csv.reader(io.StringIO(text[1:]))) == [["番号", "意見"], ["1", "'=1+1"], ["2", "普通の意見"]]


def test_xlsx_cells_are_typed_strings_or_numbers_never_formulas_or_errors():
    workbook = Workbook()
    add_sheet(workbook, "意見", ["番号", "意見"], [[1, "=1+1"], [-2, "#N/A"], [3, "改ページ\x0cのある意見"], [4, None]],
              [6, 40], first=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    cells = {cell.coordinate: (cell.value, cell.data_type) for row in sheet.iter_rows() for cell in row}
    assert cells["A1"] == ("番号", "s") and cells["A3"] == (-2, "n")
    assert cells["B2"] == ("'=1+1", "s")
    assert cells["B3"] == ("#N/A", "s")  # not Excel's error value
    assert cells["B4"] == ("改ページのある意見", "s")  # a character XML cannot carry is dropped, not a broken file
    assert cells["B5"][0] is None
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["B"].width == 40
