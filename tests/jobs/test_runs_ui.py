"""Visible jobs: the progress endpoint and partial, and the admins' failed jobs with Retry."""

import pytest
from sqlalchemy import func, select

from app.core.jobs import request_job
from app.core.mail import queue_email
from app.core.models import AuditEntry, JobRun, MailDelivery, OutboxJob
from app.core.runs import start_run
from app.core.timeutil import utcnow
from app.digests.tasks import export_digest_csv
from app.extensions import db
from tests.conftest import csrf_token


def make_run(app, **values) -> int:
    with app.app_context():
        run = JobRun(kind="digest_export", func="app.digests.tasks.export_digest_csv", subject_type="thing",
                     subject_id=1, **values)
        db.session.add(run)
        db.session.commit()
        return run.id


def test_progress_endpoint_gives_state_progress_step_timings_and_files(app, login_as):
    run_id = make_run(app, state="running", progress=40, step="export.writing", started_at=utcnow(),
                      result={"files": [{"name": "a.csv", "stored": "x.csv"}]})
    client, _ = login_as("staff")
    response = client.get(f"/jobs/runs/{run_id}.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["state"] == "running" and data["progress"] == 40 and data["finished"] is False
    assert data["step"] == "ファイルを作成しています" and data["files"] == ["a.csv"]
    assert data["started_at"] and data["finished_at"] is None and data["error"] == ""


def test_progress_endpoint_is_for_staff_only(app, client, client_as):
    run_id = make_run(app)
    assert client.get(f"/jobs/runs/{run_id}.json").status_code in (302, 401)
    citizen = client_as("citizen")
    assert citizen.get(f"/jobs/runs/{run_id}.json").status_code == 403
    moderator = client_as("moderator")
    assert moderator.get(f"/jobs/runs/{run_id + 1000}.json").status_code == 404


def test_failed_run_shows_its_translated_reason(app, login_as):
    run_id = make_run(app, state="failed", error="period_deleted", finished_at=utcnow())
    client, _ = login_as("staff")
    assert client.get(f"/jobs/runs/{run_id}.json").get_json()["error"] == "ジョブの実行前に意見募集が削除されました。"


def test_progress_partial_has_a_bar_a_refresh_link_and_no_inline_script(app, login_as):
    run_id = make_run(app, state="queued")
    client, _ = login_as("staff")
    html = client.get(f"/jobs/runs/{run_id}").get_data(as_text=True)
    assert '<progress class="progress" max="100" value="0"' in html
    assert f'data-job-run="/jobs/runs/{run_id}.json"' in html
    assert f'href="/jobs/runs/{run_id}"' in html  # the refresh link when scripts are off
    assert '<script src="/static/js/jobs.js" defer></script>' in html
    assert "<script>" not in html


def test_admin_sees_failed_jobs_with_errors_and_others_may_not(app, client_as):
    make_run(app, state="failed", error="ValueError: broken", finished_at=utcnow())
    with app.app_context():
        db.session.add(OutboxJob(func="app.core.mail.send_email", args=[], state="failed", error="SMTPError: refused"))
        db.session.commit()
    staff = client_as("staff")
    assert staff.get("/admin/jobs").status_code == 403
    admin = client_as("admin")
    html = admin.get("/admin/jobs").get_data(as_text=True)
    assert "ValueError: broken" in html and "SMTPError: refused" in html


def test_retrying_a_failed_run_starts_a_new_one_and_is_audited(app, login_as, run_jobs, make_period):
    period_id = make_period()
    with app.app_context():
        run = JobRun(kind="period_digest", func="app.digests.tasks.build_period_digest", subject_type="period",
                     subject_id=period_id, state="failed", error="OperationalError: gone", finished_at=utcnow())
        db.session.add(run)
        db.session.commit()
        failed_id = run.id
    admin, admin_id = login_as("admin")
    response = admin.post(f"/admin/jobs/runs/{failed_id}/retry", data={"csrf_token": csrf_token(admin, "/admin/jobs")})
    assert response.status_code == 303
    run_jobs()
    with app.app_context():
        runs = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
        assert [run.state for run in runs] == ["failed", "done"]
        assert runs[1].subject_id == period_id and runs[1].created_by_id == admin_id
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "job_run.retry"))
    # Retrying what is not failed starts nothing, writes no audit entry, and says why.
    refused = admin.post(f"/admin/jobs/runs/{runs[1].id}/retry",
                         data={"csrf_token": csrf_token(admin, "/admin/jobs")}, follow_redirects=True)
    assert "再実行できるのは失敗した処理だけです。" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 2
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "job_run.retry")) == 1


def test_retrying_a_failed_mail_job_sends_it_once_and_retrying_it_again_sends_nothing(
        app, login_as, mailbox, run_jobs):
    with app.app_context():
        queue_email("citizen@example.jp", "email/test.txt", note="retry")
        job = db.session.scalars(select(OutboxJob)).one()
        job.state = "failed"  # as if SMTP had refused every attempt
        job.error = "SMTPServerDisconnected"
        db.session.commit()
        job_id = job.id
    admin, _ = login_as("admin")
    token = csrf_token(admin, "/admin/jobs")
    assert admin.post(f"/admin/jobs/outbox/{job_id}/retry", data={"csrf_token": token}).status_code == 303
    run_jobs()
    assert len(mailbox) == 1
    again = admin.post(f"/admin/jobs/outbox/{job_id}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "再実行できるのは失敗した処理だけです。" in again.get_data(as_text=True)
    run_jobs()
    with app.app_context():
        assert db.session.get(OutboxJob, job_id).state == "done"
        assert db.session.scalar(select(func.count()).select_from(MailDelivery)) == 1
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "job.retry")) == 1
    assert len(mailbox) == 1


def test_asking_for_the_same_run_twice_gives_one_run(ctx):
    first = start_run("digest_export", export_digest_csv, subject_type="period", subject_id=7)
    second = start_run("digest_export", export_digest_csv, subject_type="period", subject_id=7)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(OutboxJob)) == 1


@pytest.mark.services
def test_two_requests_at_the_same_instant_start_one_run(app, committing_db):
    """Two transactions race: the advisory lock makes the second wait and find the first's run."""
    import threading

    barrier = threading.Barrier(2)
    ids = []

    def ask():
        with app.app_context():
            barrier.wait()
            run = start_run("digest_export", export_digest_csv, subject_type="period",
                            subject_id=42)
            ids.append(run.id)
            db.session.commit()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(ids) == 2 and ids[0] == ids[1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_a_job_failing_with_retries_left_is_marked_retrying_not_failed(ctx):
    job = request_job("app.core.jobs.resolve", "no.such.module.func")
    db.session.commit()
    from unittest import mock

    from app.core.jobs import run_outbox_job

    with mock.patch("app.core.jobs.get_current_job", return_value=mock.Mock(retries_left=2)), \
            pytest.raises(ModuleNotFoundError):
        run_outbox_job(job.id)
    db.session.refresh(job)
    assert job.state == "retrying" and "ModuleNotFoundError" in job.error
