"""New outbox rows left to the workers' drainer (OUTBOX_DRAINER): the request writes its row, nothing
goes to Redis from it, and the drainer hands every committed row to RQ once."""

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from app.core.jobs import dispatch, drain_new, drainer_mode, get_queue
from app.core.mail import queue_email
from app.core.models import OutboxJob
from app.extensions import db


@contextmanager
def drainer_on(app):
    app.config["OUTBOX_DRAINER"] = True
    try:
        yield
    finally:
        app.config["OUTBOX_DRAINER"] = False


def test_without_redis_jobs_still_run_inline(app, ctx, mailbox):
    with drainer_on(app):
        assert not app.config.get("REDIS_URL") or pytest.skip("inline mode only")
        assert not drainer_mode()
        queue_email("citizen@example.jp", "email/test.txt", note="inline")
        db.session.commit()
        dispatch()
    assert len(mailbox) == 1


@pytest.mark.services
def test_a_committed_row_waits_for_the_drainer_and_goes_to_rq_once(app, ctx, mailbox):
    with drainer_on(app):
        queue_email("citizen@example.jp", "email/test.txt", note="drained")
        db.session.commit()
        assert dispatch() == 0  # nothing from the request
        assert get_queue("high").count == 0
        queue_email("other@example.jp", "email/test.txt", note="rolled back")
        db.session.rollback()
        assert drain_new() == 1
        assert drain_new() == 0  # handed over once
        assert get_queue("high").count == 1
        assert db.session.scalars(select(OutboxJob.state)).one() == "enqueued"


@pytest.mark.services
def test_the_drainer_thread_wakes_on_the_commit_not_on_its_timer(app, committing_db, mailbox):
    from workers.drainer import Drainer

    with drainer_on(app):
        drainer = Drainer(app, wait=60)  # its own timer would take a minute
        drainer.start()
        try:
            time.sleep(1.0)  # listening
            with app.app_context():
                queue_email("citizen@example.jp", "email/test.txt", note="notified")
                db.session.commit()
            deadline = time.monotonic() + 10
            while drainer.drained == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert drainer.drained == 1
        finally:
            drainer.stop()
            drainer.join(timeout=10)
            assert not drainer.is_alive()
    with app.app_context():
        assert get_queue("high").count == 1


@pytest.mark.services
def test_only_a_worker_that_runs_its_jobs_itself_starts_the_drainer(app, monkeypatch):
    """A forking worker must not run the drainer's thread: a lock it holds at a fork hangs the horse."""
    from rq.worker.base import BaseWorker

    from workers import build_worker

    started = []
    monkeypatch.setattr("workers.drainer.start_drainer", lambda application: started.append(application))
    # Both worker classes (forking and simple) take RQ's loop from BaseWorker: stand it in, no queue is read.
    monkeypatch.setattr(BaseWorker, "work", lambda self, *args, **kwargs: True)
    with drainer_on(app):
        build_worker(app, ["high"], fork=True).work()
        assert started == []
        build_worker(app, ["high"], fork=False).work()
        assert started == [app]
        build_worker(app, ["high"], fork=False).work(burst=True)
        assert started == [app]
