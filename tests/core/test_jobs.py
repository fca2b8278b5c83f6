"""The outbox: jobs leave only after commit, survive a dead Redis, and never send mail twice."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.jobs import dispatch, drain_outbox, run_outbox_job
from app.core.mail import queue_email
from app.core.models import MailDelivery, OutboxJob
from app.extensions import db


@contextmanager
def redis_url(app, url):
    saved = app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = url
    app.extensions.pop("meyasu_redis", None)
    try:
        yield
    finally:
        app.config["REDIS_URL"] = saved
        app.extensions.pop("meyasu_redis", None)


def test_rolled_back_transaction_enqueues_nothing(ctx, mailbox, run_jobs):
    queue_email("someone@example.jp", "email/test.txt", note="rolled back")
    db.session.rollback()
    assert dispatch() == 0
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(OutboxJob)) == 0
    assert mailbox == []


def test_committed_email_is_sent_once_through_the_queue(ctx, mailbox, run_jobs):
    queue_email("citizen@example.jp", "email/test.txt", note="hello")
    db.session.commit()
    dispatch()
    run_jobs()
    assert len(mailbox) == 1
    message = mailbox[0]
    assert message["To"] == "citizen@example.jp"
    assert "下関市からのテストメッセージ" in message["Subject"]
    assert "hello" in message.get_content()
    job = db.session.scalars(select(OutboxJob)).one()
    assert job.state == "done" and job.attempts == 1 and job.finished_at is not None and job.error == ""
    # The delivery row that stops a second mail, written before the SMTP call, then marked sent.
    delivery = db.session.scalars(select(MailDelivery)).one()
    assert (delivery.job_id, delivery.recipient, delivery.template, delivery.state) == (
        job.id, "citizen@example.jp", "email/test.txt", "sent")
    assert "下関市からのテストメッセージ" in delivery.subject
    assert delivery.created_at <= delivery.sent_at


def test_running_a_job_again_sends_nothing_twice(ctx, mailbox, run_jobs):
    queue_email("citizen@example.jp", "email/test.txt", note="once")
    db.session.commit()
    dispatch()
    run_jobs()
    job_id = db.session.scalars(select(OutboxJob.id)).one()
    assert run_outbox_job(job_id) == "already done"
    assert db.session.get(OutboxJob, job_id).attempts == 1  # a row done is not claimed again
    assert run_outbox_job("no-such-job") == "missing"
    # Even a rerun that gets past the state check (a worker died before marking it done) finds the
    # delivery row written before the SMTP call and does not mail again.
    row = db.session.get(OutboxJob, job_id)
    row.state = "running"
    db.session.commit()
    run_outbox_job(job_id)
    assert len(mailbox) == 1
    assert db.session.scalar(select(func.count()).select_from(MailDelivery)) == 1


def test_failing_job_is_marked_failed_with_its_error(ctx):
    from app.core.jobs import request_job

    job = request_job("app.core.jobs.resolve", "no.such.module.func")
    db.session.commit()
    with pytest.raises(ModuleNotFoundError):
        run_outbox_job(job.id)
    db.session.refresh(job)
    assert job.state == "failed" and "ModuleNotFoundError" in job.error


def test_submitting_while_redis_is_down_keeps_the_job_pending(app, ctx, mailbox):
    with redis_url(app, "redis://127.0.0.1:1/0"):
        queue_email("citizen@example.jp", "email/test.txt", note="later")
        db.session.commit()
        assert dispatch() == 0  # no exception reaches the citizen
    job = db.session.scalars(select(OutboxJob)).one()
    assert job.state == "pending"
    assert mailbox == []


@pytest.mark.services
def test_pending_jobs_go_out_once_redis_is_back(app, ctx, mailbox, run_jobs):
    with redis_url(app, "redis://127.0.0.1:1/0"):
        queue_email("citizen@example.jp", "email/test.txt", note="after outage")
        db.session.commit()
        dispatch()
    assert drain_outbox(timedelta(0)) == 1
    run_jobs()
    assert drain_outbox(timedelta(0)) == 0
    run_jobs()
    assert len(mailbox) == 1
    assert db.session.scalars(select(OutboxJob.state)).one() == "done"


@pytest.mark.services
def test_forking_worker_runs_committed_jobs(app, committing_db, mailbox):
    from workers import build_worker

    with app.app_context():
        queue_email("citizen@example.jp", "email/test.txt", note="forked")
        db.session.commit()
        dispatch()
        # Handed to RQ; the row says so only once a worker runs it (no second transaction in the request).
        assert db.session.scalars(select(OutboxJob.state)).one() == "pending"
    build_worker(app).work(burst=True)
    with app.app_context():
        db.session.expire_all()
        assert db.session.scalars(select(OutboxJob.state)).one() == "done"
    assert len(mailbox) == 1


def _hand_over_and_age(minutes: int = 3) -> OutboxJob:
    """One receipt email, committed and handed to RQ; its hand-over dated ``minutes`` ago."""
    from app.core.timeutil import utcnow

    queue_email("citizen@example.jp", "email/test.txt", note="handed over")
    db.session.commit()
    dispatch()
    job = db.session.scalars(select(OutboxJob)).one()
    assert job.state == "pending"
    job.created_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()
    return job


@pytest.mark.services
def test_a_job_taken_by_a_worker_that_lost_redis_is_handed_over_again(app, ctx, mailbox, run_jobs):
    from app.core.jobs import get_queue, redis_connection

    job = _hand_over_and_age()
    queue = get_queue(job.queue)
    # What a worker does first (BLPOP), before it lost Redis and quit: the job says "queued" but is
    # in no queue, and nothing would ever run it.
    assert redis_connection().lpop(queue.key).decode() == job.id
    assert queue.fetch_job(job.id).get_status() == "queued" and queue.count == 0
    drain_outbox()
    assert queue.count == 1
    run_jobs()
    assert len(mailbox) == 1
    db.session.expire_all()
    assert db.session.get(OutboxJob, job.id).state == "done"


@pytest.mark.services
def test_a_job_waiting_in_a_long_queue_is_not_handed_over_twice(app, ctx, mailbox, run_jobs):
    from app.core.jobs import get_queue

    job = _hand_over_and_age()
    drain_outbox()
    assert get_queue(job.queue).count == 1
    run_jobs()
    assert len(mailbox) == 1
