"""What one web send asks of the database: a guard on the send's cost (bench/README.md), counted, not timed."""

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core import autocommit
from app.core.models import OutboxJob, Setting
from app.core.settings import forget_kept_settings, get_setting, set_setting
from app.extensions import db
from app.submissions.models import Submission
from tests.submissions.conftest import confirmed_data, opinion, send

# With the period, its plan and its sections kept by the process (as in production: the confirmation page
# read them), on SQLite the counter that takes the lock and the number, the submission numbered (INSERT …
# ON CONFLICT DO NOTHING on its key), its entries and the outbox row for the receipt email; on PostgreSQL
# all of that is one statement (app/submissions/pgsend.py), its own transaction (app/core/autocommit.py).
# The search index is written by a job; the settings are kept by the process.
MOST_STATEMENTS = {"postgresql": 1, "sqlite": 4}


@pytest.fixture
def kept_settings(app):
    app.config["SETTINGS_CACHE_SECONDS"] = 10
    yield
    del app.config["SETTINGS_CACHE_SECONDS"]
    with app.app_context():
        forget_kept_settings()


@pytest.mark.parametrize("drainer", [False, True])
def test_a_web_send_is_one_transaction_of_few_statements(app, client, make_period, committing_db, keeping, drainer,
                                                         monkeypatch):
    period_id = make_period()
    app.config["OUTBOX_DRAINER"] = drainer
    data = confirmed_data(client, period_id, opinion(email="hanako@example.jp"))
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):
            statements.append(" ".join(statement.split()))

    def on_commit(conn):
        statements.append("COMMIT")

    def run_alone(statement, params):  # passes no engine event: a statement and its commit
        statements.extend(["(alone) " + " ".join(str(statement).split()), "COMMIT"])
        return run(statement, params)

    run = autocommit.run
    monkeypatch.setattr(autocommit, "run", run_alone)
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        assert send(client, period_id, data).status_code == 303
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)
        app.config["OUTBOX_DRAINER"] = False
    assert "COMMIT" in statements
    first = statements.index("COMMIT")
    assert first <= MOST_STATEMENTS[engine.dialect.name], "\n".join(statements)
    # On PostgreSQL the send's statement commits itself: the request's session never takes a connection.
    assert [statement.startswith("(alone) ") for statement in statements] == (
        [True, False] if engine.dialect.name == "postgresql" else [False] * len(statements)), "\n".join(statements)
    # The submission's row is written once, numbered: no second write of it (and of its indexes) to number it.
    assert not [statement for statement in statements if statement.startswith("UPDATE submissions")]
    if app.config["REDIS_URL"]:
        # The job goes to RQ after the commit with nothing more written (without Redis it runs inline).
        assert statements[first + 1:] == [], "\n".join(statements)
    if drainer and engine.dialect.name == "postgresql" and app.config["REDIS_URL"]:
        # The outbox row wakes the workers' drainer in the same statement; the request left it pending.
        assert any("pg_notify" in statement for statement in statements[:first]), "\n".join(statements)
        with app.app_context():
            assert db.session.scalars(select(OutboxJob.state)).one() == "pending"


def test_kept_settings_are_read_once_and_a_change_is_seen_at_once(app, committing_db, kept_settings):
    statements: list[str] = []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", on_statement)
        try:
            assert get_setting("period.min_days") == 30
            db.session.commit()
            assert get_setting("period.min_days") == 30
            db.session.commit()
            assert len([s for s in statements if "FROM settings" in s]) == 1
            set_setting("period.min_days", 20, actor=None)
            assert get_setting("period.min_days") == 20  # in the transaction that changed it
            db.session.rollback()
            assert get_setting("period.min_days") == 30  # a rolled-back change is not kept
            set_setting("period.min_days", 25, actor=None)
            db.session.commit()
            assert get_setting("period.min_days") == 25  # committed here: seen at once
        finally:
            event.remove(engine, "before_cursor_execute", on_statement)
            db.session.rollback()
            for row in db.session.scalars(select(Setting)):
                db.session.delete(row)
            db.session.commit()


def test_a_send_that_committed_itself_leaves_no_commit_to_the_session_and_its_mail_goes(
        app, client, make_period, committing_db, keeping, mailbox, run_jobs):
    """On PostgreSQL the send's statement is its own transaction (``autocommit``): a commit of the request's
    session after it would only expire the kept period, plan and sections it holds. The receipt mail's
    outbox row, written by that statement, is still handed over at the end of the request."""
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(email="hanako@example.jp"))
    commits = []

    def on_commit(session):
        commits.append(session)

    event.listen(Session, "after_commit", on_commit)
    try:
        response = send(client, period_id, data)
    finally:
        event.remove(Session, "after_commit", on_commit)
    assert response.status_code == 303
    with app.app_context():
        dialect = db.engine.dialect.name
        assert db.session.scalars(select(Submission.receipt_no)).all() == [f"{period_id}-00001"]
    # On SQLite the session commits the rows (and, without Redis, the mail job run inline commits too).
    assert (commits == []) if dialect == "postgresql" else commits
    run_jobs()
    assert [mail["To"] for mail in mailbox] == ["hanako@example.jp"]
    assert f"{period_id}-00001" in mailbox[0]["Subject"]
