"""Reading back the CSV and XLSX files the product writes, the way a spreadsheet would take them.

Excel runs a cell starting with ``= + - @`` (or a tab or CR) as a formula; tests feed such text in
through every door and check that no file carries one, and that the text itself is still there.
"""

import csv
import io

from openpyxl import load_workbook

# What a citizen or a staff member might type; each is a live formula in a cell as it stands (a
# spreadsheet skips the spaces before the last one).
FORMULAS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =2+2")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(body: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]


def assert_csv_runs_nothing(body: bytes, typed: list[str]) -> None:
    """No cell of the CSV starts a formula, and each text in ``typed`` is there, quoted as text."""
    cells = csv_cells(body)
    live = [cell for cell in cells if cell.lstrip(" ").startswith(FORMULA_STARTS)]
    assert live == [], f"cells a spreadsheet would run: {live}"
    missing = [text for text in typed if not any(cell.startswith("'") and text.strip() in cell for cell in cells)]
    assert missing == [], f"typed text not found as quoted text: {missing}"


def assert_xlsx_runs_nothing(data: bytes, typed: list[str]) -> None:
    """No cell of any sheet is a formula, and every cell holding a text in ``typed`` is a string."""
    workbook = load_workbook(io.BytesIO(data))  # not data_only: a formula would show as one
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    formulas = [(cell.coordinate, cell.value) for cell in cells if cell.data_type == "f"]
    assert formulas == [], f"formula cells: {formulas}"
    for text in typed:
        holding = [cell for cell in cells if isinstance(cell.value, str) and text.strip() in cell.value]
        assert holding, f"typed text {text!r} not found"
        assert all(cell.data_type in ("s", "inlineStr") for cell in holding), [(c.value, c.data_type)
                                                                                for c in holding]
        assert all(not cell.value.lstrip(" ").startswith(FORMULA_STARTS) for cell in holding), \
            [cell.value for cell in holding]


def one_charset(content_type: str) -> bool:
    return content_type.lower().count("charset=") == 1
