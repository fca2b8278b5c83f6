"""Delivery against the real services: the schedule, a dead Redis, and workers killed mid-job.

Worker processes are real (`python -m workers`, forking) and bounded in time; every process a test
starts is killed in its ``finally``.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from croniter import croniter
from sqlalchemy import func, select

from app.core.jobs import QUEUES, dispatch, drain_outbox, get_queue, resolve
from app.core.mail import queue_email
from app.core.models import MailDelivery, OutboxJob
from app.core.timeutil import utcnow
from app.digests.models import Digest
from app.extensions import db
from app.submissions.models import Submission
from tests.core.test_jobs import redis_url
from tests.core.test_mail import free_port
from tests.jobs.tasks import mail_then_hang
from workers import schedule

ROOT = Path(__file__).resolve().parents[2]


# --- the schedule ---------------------------------------------------------------------------


def test_every_recurring_job_resolves_and_its_timing_parses(app):
    entries = schedule.collect(app)
    for entry in entries:
        assert resolve(entry.func.path) is entry.func, entry.name
        assert entry.queue in QUEUES
        assert (entry.cron is None) != (entry.interval is None)
        if entry.cron is not None:
            assert croniter.is_valid(entry.cron), entry.cron
        else:
            assert entry.interval >= 10


@pytest.mark.services
def test_one_scheduler_tick_drains_the_outbox_and_asks_for_closed_periods_digests(
        app, ctx, mailbox, run_jobs, make_period, add_opinions):
    with redis_url(app, "redis://127.0.0.1:1/0"):
        queue_email("citizen@example.jp", "email/test.txt", note="tick")
        db.session.commit()
        dispatch()
    stranded = db.session.scalars(select(OutboxJob)).one()
    stranded.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    period_id = make_period(closes_at=utcnow() - timedelta(minutes=1))
    add_opinions(period_id, [{"text": "締切後に集計される意見です。"}])

    scheduler = schedule.build_scheduler(app)
    due = {job.name for job in scheduler.enqueue_jobs()}  # interval jobs are due on the first tick
    assert {"app.core.jobs.drain_outbox", "app.digests.tasks.request_digests_of_closed_periods"} <= due
    run_jobs()
    db.session.expire_all()
    assert len(mailbox) == 1
    assert db.session.get(OutboxJob, stranded.id).state == "done"
    assert db.session.scalar(select(Digest.opinion_count).where(Digest.period_id == period_id)) == 1


# --- a dead Redis ---------------------------------------------------------------------------


@pytest.mark.services
def test_a_submission_made_while_redis_is_down_is_stored_and_mailed_once_after(app, ctx, mailbox, run_jobs,
                                                                               make_period):
    period_id = make_period()
    with redis_url(app, "redis://127.0.0.1:1/0"):
        db.session.add(Submission(period_id=period_id, receipt_no="R000777", channel="web", received_at=utcnow(),
                                  lookup_token_hash="0" * 64, email="citizen@example.jp"))
        queue_email("citizen@example.jp", "email/test.txt", note="受付番号 R000777")
        db.session.commit()
        assert dispatch() == 0  # the citizen sees no error
    assert db.session.scalar(select(Submission.receipt_no)) == "R000777"
    assert db.session.scalars(select(OutboxJob.state)).one() == "pending"
    assert mailbox == []
    assert drain_outbox(timedelta(0)) == 1
    assert drain_outbox(timedelta(0)) == 0  # handed over once
    run_jobs()
    run_jobs()
    assert len(mailbox) == 1 and "R000777" in mailbox[0].get_content()
    assert db.session.scalars(select(OutboxJob.state)).one() == "done"


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port",
                                str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.05)


def _start_scheduler(app, redis_port: int, log: Path) -> subprocess.Popen:
    env = {**_worker_env(app), "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    return subprocess.Popen([sys.executable, "-m", "workers", "--scheduler"], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.services
def test_the_scheduler_waits_out_a_redis_outage_and_goes_on(app, tmp_path):
    from rq import cron_scheduler_registry

    port, log = free_port(), tmp_path / "scheduler.log"
    server = _start_redis(port)
    client = redis.Redis(port=port)
    scheduler = _start_scheduler(app, port, log)
    try:
        _wait_for(lambda: cron_scheduler_registry.get_keys(client), 30, "the scheduler to register", log)
        server.terminate()
        server.wait(timeout=10)
        # Its next tick (the search index's every 10 s) finds Redis gone.
        _wait_for(lambda: b"lost Redis" in log.read_bytes(), 30, "the scheduler to find Redis gone", log)
        time.sleep(1)
        assert scheduler.poll() is None, log.read_text(errors="replace")[-3000:]
        server = _start_redis(port)  # empty: nothing of before the outage is left
        _wait_for(lambda: cron_scheduler_registry.get_keys(client), 30, "the scheduler to register again", log)
        # What fell due meanwhile is enqueued at once, and the loop goes on.
        _wait_for(lambda: sum(client.llen(f"rq:queue:{name}") for name in QUEUES), 30,
                  "a recurring job enqueued after the outage", log)
        assert scheduler.poll() is None
        # Stopped while it waits for Redis (systemctl stop during an outage): at once, and cleanly.
        server.terminate()
        server.wait(timeout=10)
        _wait_for(lambda: log.read_bytes().count(b"lost Redis") == 2, 30, "the scheduler to lose Redis again", log)
        scheduler.terminate()
        assert scheduler.wait(timeout=5) == 0
    finally:
        _stop(scheduler)
        server.kill()
        server.wait(timeout=10)
    text = log.read_text(errors="replace")
    assert "Redis answers again" in text and "stopped while waiting for Redis" in text
    assert "Traceback" not in text


@pytest.mark.services
def test_a_scheduler_stopped_just_after_redis_went_away_stops_at_once(app, tmp_path):
    from rq import cron_scheduler_registry

    port, log = free_port(), tmp_path / "scheduler.log"
    server = _start_redis(port)
    scheduler = _start_scheduler(app, port, log)
    try:
        _wait_for(lambda: cron_scheduler_registry.get_keys(redis.Redis(port=port)), 30, "the scheduler to register",
                  log)
        server.terminate()
        server.wait(timeout=10)
        # Stopped before its next tick found Redis gone: its goodbye to Redis fails, and it does not wait.
        scheduler.terminate()
        assert scheduler.wait(timeout=5) == 0, log.read_text(errors="replace")[-3000:]
    finally:
        _stop(scheduler)
        server.kill()
        server.wait(timeout=10)
    assert "lost Redis" not in log.read_text(errors="replace")


# --- workers killed mid-job -----------------------------------------------------------------


def _worker_env(app) -> dict:
    return {**os.environ, "MEYASU_ENV": "development", "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
            "REDIS_URL": os.environ["TEST_REDIS_URL"], "MAIL_SUPPRESS_SEND": "0", "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(app.config["MAIL_PORT"]), "PYTHONPATH": str(ROOT)}


def _start_worker(app, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workers", "high"], cwd=ROOT, env=_worker_env(app),
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _wait_for(condition, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-3000:]}")


def _queue_hanging_mail(app, marker: Path) -> str:
    with app.app_context():
        job = mail_then_hang.delay("citizen@example.jp", str(marker))
        db.session.commit()
        dispatch()
        return job.id


def _outbox_state(app, job_id: str) -> tuple[str, int]:
    with app.app_context():
        job = db.session.get(OutboxJob, job_id)
        return job.state, job.attempts


def _mail_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(MailDelivery))


@pytest.mark.services
def test_a_work_horse_killed_mid_job_is_retried_without_a_second_email(app, committing_db, mailbox, monkeypatch,
                                                                       tmp_path):
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", [1, 1])
    marker, log = tmp_path / "horse.pid", tmp_path / "worker.log"
    job_id = _queue_hanging_mail(app, marker)
    worker = _start_worker(app, log)
    try:
        horse = int(_wait_for(lambda: marker.exists() and marker.read_text(), 60, "the job to start", log))
        assert len(mailbox) == 1
        os.kill(horse, signal.SIGKILL)
        # The worker sees its horse die, RQ schedules the retry, the worker's scheduler requeues it.
        _wait_for(lambda: _outbox_state(app, job_id)[0] == "done", 60, "the retry to finish", log)
    finally:
        _stop(worker)
    assert _outbox_state(app, job_id) == ("done", 2)
    assert len(mailbox) == 1 and _mail_rows(app) == 1


@pytest.mark.services
def test_a_worker_that_dies_mid_job_is_replaced_and_the_job_finishes_without_a_second_email(
        app, committing_db, mailbox, monkeypatch, tmp_path):
    from rq.registry import StartedJobRegistry

    from workers import build_worker

    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", [0])
    marker, log = tmp_path / "horse.pid", tmp_path / "worker.log"
    job_id = _queue_hanging_mail(app, marker)
    worker = _start_worker(app, log)
    try:
        horse = int(_wait_for(lambda: marker.exists() and marker.read_text(), 60, "the job to start", log))
        # The whole machine goes: worker, its scheduler and the horse, with no chance to clean up.
        os.killpg(worker.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
    finally:
        _stop(worker)
    assert len(mailbox) == 1
    with app.app_context():
        queue = get_queue("high")
        assert job_id in StartedJobRegistry(queue=queue).get_job_ids(cleanup=False)
        # RQ's own abandoned-job handling, as another worker runs it once the dead one's heartbeat
        # has expired (at least a minute: here the clock is moved on instead of waiting).
        StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
    build_worker(app, ["high"]).work(burst=True)
    assert _outbox_state(app, job_id) == ("done", 2)
    assert len(mailbox) == 1 and _mail_rows(app) == 1
