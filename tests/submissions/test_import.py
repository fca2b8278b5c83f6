"""Batch import: every row checked first, nothing imported until clean, then all rows in one go."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.core.models import JobRun
from app.core.timeutil import jst_today
from app.extensions import db
from app.moderation.models import SearchDocument
from app.moderation.tasks import index_new
from app.submissions.models import Submission
from tests.conftest import csrf_token

HEADER = ["受付日", "提出方法", "氏名", "住所", "属性", "メールアドレス", "電話番号", "意見"]


def rows(count, *, day=None):
    day = (day or jst_today() - timedelta(days=1)).isoformat()
    return [[day, ["FAX", "郵送", "メール", "持参"][n % 4], f"取込 {n}", "下関市", "在住", "", "", f"取り込んだ意見 {n}"]
            for n in range(count)]


def as_csv(table, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode(encoding)


def as_xlsx(table) -> bytes:
    book = Workbook()
    for row in table:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, period_id, data: bytes, name="import.csv"):
    path = f"/staff/periods/{period_id}/submissions/import"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("encode", [
    lambda t: as_csv(t), lambda t: as_csv(t, "utf-8"), lambda t: as_csv(t, "cp932"), as_xlsx,
], ids=["utf8-bom", "utf8", "shift_jis", "xlsx"])
def test_a_clean_file_imports_every_row_with_a_receipt_number(app, login_as, make_period, encode):
    period_id = make_period()
    client, _ = login_as("staff")
    response = upload(client, period_id, encode([HEADER, *rows(3)]), "import.xlsx" if encode is as_xlsx else "i.csv")
    assert response.status_code == 303
    with app.app_context():
        imported = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        assert [(s.receipt_no, s.channel, s.name) for s in imported] == [
            (f"{period_id}-00001", "fax", "取込 0"), (f"{period_id}-00002", "post", "取込 1"),
            (f"{period_id}-00003", "email", "取込 2")]
        assert imported[0].entries[0].body == "取り込んだ意見 0" and imported[0].attribute == "resident"


def test_a_file_with_bad_rows_imports_nothing_and_reports_each_row(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    table = [HEADER, *rows(2)]
    table.append([(jst_today() + timedelta(days=3)).isoformat(), "伝書鳩", "", "", "宇宙人", "not-an-email", "", ""])
    table.append(["昨日", "FAX", "", "", "", "", "", "意見"])
    html = upload(client, period_id, as_csv(table)).get_data(as_text=True)
    assert "2行に誤りがあります。何も取り込んでいません。" in html
    assert "<th scope=\"row\">4</th>" in html and "<th scope=\"row\">5</th>" in html
    for reason in ("未来の日付です", "提出方法：", "属性：不明な値です", "メールアドレス：正しい形式ではありません",
                   "意見：空欄です", "受付日：2025-11-06のように書いてください"):
        assert reason in html
    assert count_rows(Submission) == 0


@pytest.mark.parametrize("data, message", [
    (b"", "ファイルに取り込む行がありません。"),
    (b"MZ\x90\x00" + b"\x00" * 64, "CSVまたはXLSXファイルをアップロードしてください。"),
    ("氏名,意見\n下関,意見\n".encode(), "見出し行に次の列がありません"),
])
def test_unreadable_files_are_refused_with_a_reason(login_as, make_period, count_rows, data, message):
    period_id = make_period()
    client, _ = login_as("staff")
    assert message in upload(client, period_id, data).get_data(as_text=True)
    assert count_rows(Submission) == 0


def test_a_large_file_imports_in_a_background_job_with_progress(app, login_as, make_period, run_jobs, uploads_dir):
    period_id = make_period()
    client, _ = login_as("staff")
    app.config["IMPORT_INLINE_MAX_ROWS"] = 5
    try:
        response = upload(client, period_id, as_csv([HEADER, *rows(10_000)]))
    finally:
        app.config["IMPORT_INLINE_MAX_ROWS"] = 500
    assert response.status_code == 303 and "/staff/imports/" in response.headers["Location"]
    run_jobs()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<progress" in page
    status = client.get(response.headers["Location"] + "/status.json").get_json()
    assert status["state"] == "done" and status["progress"] == 100
    assert status["result"] == {"count": 10_000, "first": f"{period_id}-00001", "last": f"{period_id}-10000"}
    with app.app_context():
        assert db.session.scalars(select(JobRun.state)).all() == ["done"]
        assert len(db.session.scalars(select(Submission.id)).all()) == 10_000
        # The moderators' search index is the recurring job's, in batches: every row once.
        assert not db.session.scalars(select(SearchDocument.submission_id)).all()
        assert index_new() == 10_000
        assert len(set(db.session.scalars(select(SearchDocument.submission_id)).all())) == 10_000
    assert not any((uploads_dir / "imports").iterdir())  # the uploaded copy is gone


def test_the_template_lists_the_columns(login_as, make_period):
    period_id = make_period()
    client, _ = login_as("staff")
    response = client.get(f"/staff/periods/{period_id}/submissions/import/template.csv")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADER)
    assert response.data.startswith(b"\xef\xbb\xbf")


def test_cli_imports_a_clean_file_and_refuses_a_bad_one(app, make_period, tmp_path, count_rows):
    period_id = make_period()
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(as_csv([HEADER, *rows(4)], "cp932"))
    bad.write_bytes(as_csv([HEADER, ["x", "FAX", "", "", "", "", "", "本文"]]))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["submissions", "import", str(period_id), str(bad)])
    assert refused.exit_code != 0 and "line 2" in refused.output and count_rows(Submission) == 0
    result = runner.invoke(args=["submissions", "import", str(period_id), str(good)])
    assert result.exit_code == 0, result.output
    assert f"imported 4 submission(s): {period_id}-00001 – {period_id}-00004" in result.output
    assert count_rows(Submission) == 4


def test_bidi_controls_are_stripped_from_imported_rows(app, login_as, make_period):
    period_id = make_period()
    client, _ = login_as("staff")
    table = [HEADER, [(jst_today() - timedelta(days=1)).isoformat(), "FAX", "取込\u202e 太郎", "下関市", "在住", "", "",
                      "紙で届いた\u202e意見\u202cです\u2067。\u2069"]]
    assert upload(client, period_id, as_csv(table)).status_code == 303
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert submission.name == "取込 太郎" and submission.entries[0].body == "紙で届いた意見です。"
