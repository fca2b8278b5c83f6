"""Batch import: a file imported into a period once is refused the second time, whoever uploads it
and however (the page, the background job, the command line), and nothing is imported again."""

from sqlalchemy import select

from app.core.formatting import format_datetime
from app.core.models import JobRun
from app.extensions import db
from app.submissions import tasks
from app.submissions.models import ImportedFile, Submission
from tests.submissions.test_import import HEADER, as_csv, rows, upload


def error_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


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
