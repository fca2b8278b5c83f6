"""Batch import: files refused as a whole, each early and with a reason, and nothing imported.

The same file twice, formula cells, and files past a limit (rows, empty rows, line length, bytes,
what a workbook unpacks to), read only as far as the limit.
"""

import csv
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.core.formatting import format_datetime
from app.core.models import JobRun
from app.extensions import db
from app.submissions import importing, tasks
from app.submissions.models import ImportedFile, Submission
from tests.submissions.test_import import HEADER, as_csv, as_xlsx, rows, upload


def error_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def rows_read(monkeypatch):
    """How many rows the CSV reader handed out: a file refused at a limit must not be read past it."""
    read = {"rows": 0}
    real_reader = csv.reader

    def counting_reader(*args, **kwargs):
        for row in real_reader(*args, **kwargs):
            read["rows"] += 1
            yield row

    monkeypatch.setattr(importing.csv, "reader", counting_reader)
    return read


# --- the same file twice ---------------------------------------------------------------------------


def test_the_same_file_imported_twice_is_refused_and_keeps_one_set_of_receipts(app, login_as, make_period):
    period_id = make_period()
    client, _ = login_as("staff")
    data = as_csv([HEADER, *rows(3)])
    assert upload(client, period_id, data).status_code == 303
    html = error_of(upload(client, period_id, data, "renamed-copy.csv"))
    with app.test_request_context():
        earlier = db.session.scalars(select(ImportedFile)).one()
        when = format_datetime(earlier.imported_at)
        assert db.session.scalars(select(Submission.receipt_no).order_by(Submission.id)).all() == [
            f"{period_id}-00001", f"{period_id}-00002", f"{period_id}-00003"]
    assert f"このファイルは{when}にこの意見募集へ取り込み済みです" in html
    assert f"受付番号{period_id}-00001〜{period_id}-00003" in html


def test_the_same_file_may_go_into_another_period(login_as, make_period, count_rows):
    first, second = make_period(), make_period()
    client, _ = login_as("staff")
    data = as_csv([HEADER, *rows(2)])
    assert upload(client, first, data).status_code == 303
    assert upload(client, second, data).status_code == 303
    assert count_rows(Submission) == 4


def test_a_queued_import_of_a_file_imported_meanwhile_fails_and_writes_nothing(app, login_as, make_period,
                                                                                  uploads_dir, monkeypatch):
    """Two staff upload the same large file: both pass the page's check before either is written."""
    import app.core.jobs as jobs

    period_id = make_period()
    client, _ = login_as("staff")
    data = as_csv([HEADER, *rows(8)])
    monkeypatch.setattr(jobs, "dispatch", lambda: 0)  # the worker has not taken the job yet
    app.config["IMPORT_INLINE_MAX_ROWS"] = 5
    try:
        queued = upload(client, period_id, data)
    finally:
        app.config["IMPORT_INLINE_MAX_ROWS"] = 500
    assert "/staff/imports/" in queued.headers["Location"]
    assert upload(client, period_id, data).status_code == 303  # inline this time
    with app.app_context():
        run_id = db.session.scalars(select(JobRun.id)).one()
        tasks.import_submissions(run_id)
    with app.test_request_context():
        run = db.session.get(JobRun, run_id)
        assert run.state == "failed" and "取り込み済みです" in run.error
        assert len(db.session.scalars(select(Submission.id)).all()) == 8
    assert not any((uploads_dir / "imports").iterdir())  # the failed run's copy of the file is gone


def test_cli_refuses_a_file_it_already_imported(app, make_period, tmp_path, count_rows):
    period_id = make_period()
    path = tmp_path / "paper.csv"
    path.write_bytes(as_csv([HEADER, *rows(2)], "cp932"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["submissions", "import", str(period_id), str(path)]).exit_code == 0
    again = runner.invoke(args=["submissions", "import", str(period_id), str(path)])
    assert again.exit_code != 0 and "取り込み済みです" in again.output
    assert count_rows(Submission) == 2


# --- formula cells ---------------------------------------------------------------------------------


def test_an_xlsx_with_formula_cells_is_refused_naming_the_cells(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    table = [HEADER, *rows(6)]
    table[2][1] = '="FAX"'  # B3
    table[6][2] = "=CONCAT(\"取込\", 6)"  # C7
    html = error_of(upload(client, period_id, as_xlsx(table), "import.xlsx"))
    assert "B3, C7：数式のセルは取り込めません。値に変換してから" in html
    assert count_rows(Submission) == 0


def test_many_formula_cells_are_named_ten_at_most(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    table = [HEADER, *rows(15)]
    for row in table[1:]:
        row[7] = "=A1"
    html = error_of(upload(client, period_id, as_xlsx(table), "import.xlsx"))
    named = ", ".join(f"H{line}" for line in range(2, 12))
    assert f"{named} ほか5個のセル：数式のセルは取り込めません" in html
    assert count_rows(Submission) == 0


def test_a_formula_in_a_column_the_import_ignores_does_not_block_it(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    table = [[*HEADER, "メモ"], *[[*row, "=ROW()"] for row in rows(2)]]
    assert upload(client, period_id, as_xlsx(table), "import.xlsx").status_code == 303
    assert count_rows(Submission) == 2


# --- limits, reached early -------------------------------------------------------------------------


def test_a_file_over_the_row_limit_is_refused_without_reading_past_the_limit(login_as, make_period, count_rows,
                                                                             rows_read, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 50)
    period_id = make_period()
    client, _ = login_as("staff")
    html = error_of(upload(client, period_id, as_csv([HEADER, *rows(5000)])))
    assert "50行を超えています。ファイルを分けてください。" in html
    assert rows_read["rows"] <= 1 + 50 + 1  # the header, the rows allowed, the one too many
    assert count_rows(Submission) == 0


def test_a_file_of_blank_lines_is_refused_after_reading_only_the_blank_lines_allowed(login_as, make_period,
                                                                                      count_rows, rows_read):
    period_id = make_period()
    client, _ = login_as("staff")
    data = as_csv([HEADER]) + b"\r\n" * 1_000_000 + as_csv(rows(1)).removeprefix(b"\xef\xbb\xbf")
    html = error_of(upload(client, period_id, data))
    assert f"空の行が{importing.MAX_BLANK_ROWS}行を超えています" in html
    assert rows_read["rows"] <= 1 + importing.MAX_BLANK_ROWS + 1
    assert count_rows(Submission) == 0


def test_an_xlsx_that_is_mostly_empty_rows_is_refused(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    book = Workbook()
    book.active.append(HEADER)
    for column, value in enumerate(rows(1)[0], start=1):
        book.active.cell(row=importing.MAX_BLANK_ROWS + 3, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    html = error_of(upload(client, period_id, out.getvalue(), "import.xlsx"))
    assert f"空の行が{importing.MAX_BLANK_ROWS}行を超えています" in html
    assert count_rows(Submission) == 0


def test_a_csv_without_line_breaks_is_refused_at_the_line_limit(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    data = as_csv([HEADER]) + b"," * (importing.MAX_LINE_CHARS * 2)
    html = error_of(upload(client, period_id, data))
    assert f"2行目が{importing.MAX_LINE_CHARS}文字を超えています" in html
    assert count_rows(Submission) == 0


def test_a_cell_longer_than_csv_reads_is_refused_with_its_line(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    cell = "\n".join(["あ" * 50_000] * 3)  # lines of a fair length, one cell past csv's field limit
    data = as_csv([HEADER, *rows(1), ["2025-11-04", "FAX", "", "", "", "", "", cell]])
    html = error_of(upload(client, period_id, data))
    assert "3行目をCSVとして読み取れませんでした" in html
    assert count_rows(Submission) == 0


def test_a_file_over_the_size_limit_is_refused(login_as, make_period, count_rows, monkeypatch):
    monkeypatch.setattr(importing, "MAX_BYTES", importing.MB)
    period_id = make_period()
    client, _ = login_as("staff")
    data = as_csv([HEADER, *rows(2)]) + b"," * importing.MB
    assert "ファイルが1MBを超えています。" in error_of(upload(client, period_id, data))
    assert count_rows(Submission) == 0


def test_a_workbook_that_unpacks_past_the_limit_is_refused(login_as, make_period, count_rows, monkeypatch):
    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 4000)
    period_id = make_period()
    client, _ = login_as("staff")
    html = error_of(upload(client, period_id, as_xlsx([HEADER, *rows(50)]), "import.xlsx"))
    assert "展開すると" in html
    assert count_rows(Submission) == 0


def test_a_file_in_neither_utf8_nor_shift_jis_is_refused(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    data = as_csv([HEADER, *rows(2)], "utf-8") + b"\x81\x39"
    assert "UTF-8またはShift_JISの文字として読み取れませんでした" in error_of(upload(client, period_id, data))
    assert count_rows(Submission) == 0
