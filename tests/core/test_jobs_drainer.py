"""New outbox rows left to the workers' drainer (OUTBOX_DRAINER): the request writes its row, nothing
goes to Redis from it, and the drainer hands every committed row to RQ once."""

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from app.core.jobs import dispatch, drain_new, drainer_mode, get_queue
from app.core.mail import queue_email
from app.core.models import MailDelivery, OutboxJob
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
                # Named for the DBA: the connection that sits in LISTEN all day is the drainer's.
                listening = db.session.scalars(text("SELECT application_name FROM pg_stat_activity "
                                                    "WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()")).all()
                assert listening == ["meyasu-drainer"]
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


# --- batches: rows that waited together go to RQ as one job --------------------------------------


def _queued_mails(n: int, note: str = "batched") -> None:
    for i in range(n):
        queue_email(f"citizen{i}@example.jp", "email/test.txt", note=f"{note} {i}")
    db.session.commit()


@pytest.mark.services
def test_rows_that_waited_together_go_as_batches_and_each_mail_goes_once(app, ctx, mailbox, run_jobs):
    app.config["OUTBOX_BATCH"], saved = 3, app.config["OUTBOX_BATCH"]
    try:
        with drainer_on(app):
            _queued_mails(7)
            assert drain_new() == 7
    finally:
        app.config["OUTBOX_BATCH"] = saved
    rows = db.session.scalars(select(OutboxJob).order_by(OutboxJob.created_at)).all()
    carriers = [row.carried_by for row in rows]
    # 3 + 3 in batches, the seventh alone under its own id.
    assert get_queue("high").count == 3
    assert len(set(carriers[:3])) == 1 and len(set(carriers[3:6])) == 1 and carriers[0] != carriers[3]
    assert rows[6].rq_job_id is None and carriers[6] == rows[6].id
    assert {row.state for row in rows} == {"enqueued"}
    run_jobs()
    db.session.expire_all()
    assert {row.state for row in db.session.scalars(select(OutboxJob))} == {"done"}
    assert sorted(str(message["To"]) for message in mailbox) == sorted(f"citizen{i}@example.jp" for i in range(7))


@pytest.mark.services
def test_a_failing_row_does_not_stop_its_batch_and_a_retry_mails_nobody_twice(app, ctx, mailbox):
    from app.core.jobs import BatchIncomplete, request_job, run_outbox_batch

    _queued_mails(2, "around a failure")
    broken = request_job("app.core.jobs.resolve", "no.such.module.func", queue="high")
    db.session.commit()
    ids = [row.id for row in db.session.scalars(select(OutboxJob).order_by(OutboxJob.created_at))]
    assert broken.id in ids
    with pytest.raises(BatchIncomplete, match=broken.id):
        run_outbox_batch(ids)
    db.session.expire_all()
    states = {row.id: row.state for row in db.session.scalars(select(OutboxJob))}
    assert states.pop(broken.id) == "failed"
    assert set(states.values()) == {"done"}
    assert len(mailbox) == 2
    with pytest.raises(BatchIncomplete):
        run_outbox_batch(ids)  # what RQ's retry runs: the rows done are skipped
    assert len(mailbox) == 2
    db.session.expire_all()
    # Only the row that was not done was claimed again: one more attempt for it, none for the others.
    attempts = {row.id: row.attempts for row in db.session.scalars(select(OutboxJob))}
    assert attempts.pop(broken.id) == 2 and set(attempts.values()) == {1}


@pytest.mark.services
def test_a_batch_of_mails_costs_one_statement_and_one_commit_a_mail(app, ctx, mailbox):
    """Claimed together: one UPDATE marks the batch's rows running (read back with RETURNING, committed once);
    then each mail its claim, committed before it goes; then one statement marks them all sent and one
    marks the rows done, in one commit. No row read or marked on its own."""
    from sqlalchemy import event

    from app.core.jobs import run_outbox_batch

    _queued_mails(3, "claimed together")
    ids = [row.id for row in db.session.scalars(select(OutboxJob).order_by(OutboxJob.created_at))]
    db.session.commit()
    statements, commits = [], []
    engine, session = db.engine, db.session()

    def statement(conn, cursor, sql, parameters, context, executemany):
        if "SAVEPOINT" not in sql:  # the test's own transaction around the session's
            statements.append(sql)

    def commit(committed):
        commits.append(committed)

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(session, "after_commit", commit)
    try:
        assert run_outbox_batch(ids) == "done"
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(session, "after_commit", commit)
    outbox = [sql for sql in statements if "outbox_jobs" in sql]
    assert len(outbox) == 2 and outbox[0].startswith("UPDATE outbox_jobs SET state") and "RETURNING" in outbox[0]
    claims = [sql for sql in statements if sql.startswith("INSERT INTO mail_deliveries")]
    sent = [sql for sql in statements if sql.startswith("UPDATE mail_deliveries")]
    assert len(claims) == 3 and len(sent) == 1 and len(statements) == 2 + 3 + 1
    assert len(commits) == 1 + 3 + 1
    assert len(mailbox) == 3
    db.session.expire_all()
    assert {(row.state, row.attempts) for row in db.session.scalars(select(OutboxJob))} == {("done", 1)}
    assert set(db.session.scalars(select(MailDelivery.state))) == {"sent"}


@pytest.mark.services
def test_a_batch_s_statements_read_the_same_for_any_number_of_rows(app, ctx, mailbox):
    """On PostgreSQL a batch's rows go as one array (``statements.one_of``): the drainer's "enqueued", the
    claim, the mails' "sent" and the rows' "done" each have one text whatever the batch's size, which psycopg
    parses once and prepares. An IN had a parameter per row: a text per size, parsed anew past fifty
    parameters."""
    from sqlalchemy import event

    from app.core.jobs import run_outbox_batch

    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no arrays: an IN there")
    updates: dict[int, list[str]] = {}
    for size in (2, 7):
        _queued_mails(size, f"a batch of {size}")
        statements: list[str] = []

        def statement(conn, cursor, sql, parameters, context, executemany, statements=statements):
            if sql.startswith("UPDATE"):
                statements.append(sql)

        event.listen(db.engine, "before_cursor_execute", statement)
        try:
            with drainer_on(app):
                assert drain_new() == size
            ids = list(db.session.scalars(select(OutboxJob.id).where(OutboxJob.state == "enqueued")))
            assert run_outbox_batch(ids) == "done"
        finally:
            event.remove(db.engine, "before_cursor_execute", statement)
        updates[size] = statements
    assert updates[2] == updates[7]
    assert [sql.split(" SET ")[0] for sql in updates[2]] == ["UPDATE outbox_jobs"] * 2 + [
        "UPDATE mail_deliveries", "UPDATE outbox_jobs"]
    assert all("ANY" in sql for sql in updates[2])
    assert len(mailbox) == 9


class WorkerDied(BaseException):
    """What the worker's death looks like from inside: nothing catches it."""


@pytest.mark.services
def test_committed_each_mail_is_claimed_by_a_statement_of_its_own_before_it_goes(app, mailbox, committing_db,
                                                                                monkeypatch):
    """As in a worker (nothing of a test's transaction around it): on PostgreSQL a mail's claim commits itself
    (app/core/autocommit.py), so a worker that dies between two mails leaves the ones it sent claimed, and the
    batch's retry sends only the rest."""
    from sqlalchemy import event

    from app.core import autocommit, mail
    from app.core.jobs import run_outbox_batch

    statements, alone, run, render = [], [], autocommit.run, mail.render_template

    def rendered(template, **context):
        if len(mailbox) == 2:
            raise WorkerDied  # killed after two mails went, before the third is claimed
        return render(template, **context)

    def statement(_conn, _cursor, sql, *_args):
        statements.append(sql)

    with app.test_request_context():
        _queued_mails(3, "claimed alone")
        ids = [row.id for row in db.session.scalars(select(OutboxJob).order_by(OutboxJob.created_at))]
        db.session.commit()
        monkeypatch.setattr(autocommit, "run",
                            lambda sql, params: alone.append(params["job_id"]) or run(sql, params))
        monkeypatch.setattr(mail, "render_template", rendered)
        event.listen(db.engine, "before_cursor_execute", statement)
        try:
            with pytest.raises(WorkerDied):
                run_outbox_batch(ids)
        finally:
            event.remove(db.engine, "before_cursor_execute", statement)
            db.session.rollback()
        assert len(mailbox) == 2
        claims = [sql for sql in statements if sql.startswith("INSERT INTO mail_deliveries")]
        assert (len(alone), len(claims)) == ((2, 0) if db.engine.dialect.name == "postgresql" else (0, 2))
        monkeypatch.setattr(mail, "render_template", render)
        assert run_outbox_batch(ids) == "done"  # what RQ's retry runs
        assert sorted(message["To"] for message in mailbox) == [f"citizen{i}@example.jp" for i in range(3)]
        db.session.expire_all()
        # The two the dead worker sent keep their claim ("sending": it died before marking them sent).
        assert sorted(db.session.scalars(select(MailDelivery.state))) == ["sending", "sending", "sent"]
        assert {row.state for row in db.session.scalars(select(OutboxJob))} == {"done"}
        db.session.rollback()


@pytest.mark.services
def test_rows_of_a_batch_redis_lost_are_handed_over_again_one_by_one(app, ctx, mailbox, run_jobs):
    from datetime import timedelta

    from app.core.jobs import drain_outbox, redis_connection
    from app.core.timeutil import utcnow

    with drainer_on(app):
        _queued_mails(2, "lost")
        assert drain_new() == 2
    batch_id = db.session.scalars(select(OutboxJob.rq_job_id)).first()
    assert batch_id
    redis_connection().flushdb()  # Redis restarted without its data: the batch is gone
    for row in db.session.scalars(select(OutboxJob)):
        row.enqueued_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert drain_outbox() == 2
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxJob)).all()
    assert all(row.rq_job_id is None for row in rows)
    assert get_queue("high").count == 2
    run_jobs()
    assert len(mailbox) == 2
    assert drain_outbox() == 0  # nothing left to hand over


@pytest.mark.services
def test_a_woken_drainer_gathers_the_rows_committed_meanwhile_into_one_rq_job(app, committing_db, mailbox):
    from workers.drainer import Drainer

    with drainer_on(app):
        drainer = Drainer(app, wait=60, gather=1.0)
        drainer.start()
        try:
            time.sleep(1.0)  # listening
            with app.app_context():
                for i in range(3):  # three requests, each its own transaction and notice
                    queue_email(f"citizen{i}@example.jp", "email/test.txt", note=f"gathered {i}")
                    db.session.commit()
            deadline = time.monotonic() + 10
            while drainer.drained < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert drainer.drained == 3
        finally:
            drainer.stop()
            drainer.join(timeout=10)
    with app.app_context():
        assert get_queue("high").count == 1  # one job for the three rows
        assert len(set(db.session.scalars(select(OutboxJob.rq_job_id)))) == 1


@pytest.mark.services
def test_a_gathering_drainer_does_not_listen_and_misses_no_row(app, committing_db, mailbox):
    """Each send notifies; a drainer that read every notice while it gathered spent 0.09 ms of CPU on each, and
    PostgreSQL 0.06 ms, to throw it away (bench/README.md, twenty-ninth session). It stops listening while it
    gathers and listens again before it drains: the rows committed meanwhile go in that drain, and a row
    committed after it wakes it again."""
    from workers.drainer import Drainer

    def commit_rows(first: int, count: int) -> None:
        with app.app_context():
            for i in range(first, first + count):  # each its own transaction and notice
                queue_email(f"citizen{i}@example.jp", "email/test.txt", note=f"gathered {i}")
                db.session.commit()

    def drained(count: int) -> None:
        deadline = time.monotonic() + 10
        while drainer.drained < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert drainer.drained == count

    with drainer_on(app):
        drainer = Drainer(app, wait=60, gather=2.0)
        drainer.start()
        try:
            time.sleep(1.0)  # listening
            commit_rows(0, 1)
            time.sleep(0.2)  # woken, gathering for two seconds
            commit_rows(1, 20)
            drained(21)
            assert drainer.notices <= 3  # the one that woke it, and any that came before it stopped listening
            commit_rows(21, 1)  # listening again: this one wakes it
            drained(22)
        finally:
            drainer.stop()
            drainer.join(timeout=10)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxJob).where(OutboxJob.state == "pending")) == 0


@pytest.mark.services
def test_a_drain_keeps_its_rows_locked_until_every_one_is_marked(app, ctx, monkeypatch):
    """One commit for the whole drain, whatever mix of batches and lone rows: a commit half-way would
    free the rows not yet handed over for another drainer to hand over too."""
    from tests.jobs.tasks import remember

    app.config["OUTBOX_BATCH"], saved = 3, app.config["OUTBOX_BATCH"]
    try:
        with drainer_on(app):
            _queued_mails(4, "mixed")  # high: a batch of three, then one alone
            remember.delay("alone on low")
            db.session.commit()
            commits = []
            commit = db.session.commit
            monkeypatch.setattr(db.session, "commit", lambda: (commits.append(1), commit())[1])
            assert drain_new() == 5
    finally:
        app.config["OUTBOX_BATCH"] = saved
    assert len(commits) == 1
    assert get_queue("high").count == 2 and get_queue("low").count == 1
    assert set(db.session.scalars(select(OutboxJob.state))) == {"enqueued"}
