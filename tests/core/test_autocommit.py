"""A statement run alone on the driver in autocommit (app/core/autocommit.py): typed values both ways,
committed when it returns, SQLAlchemy's errors without the parameters, a broken connection thrown away,
and only when the request's session has no transaction of its own on a connection."""

import json
from datetime import UTC

import pytest
from sqlalchemy import bindparam, create_engine, exc, text
from sqlalchemy.pool import NullPool

from app.core import autocommit
from app.core.models import MailDelivery
from app.core.statements import insert_unless_present
from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.periods.models import CommentPeriod

# A row in, typed as the app types it, and read back by the same statement.
_STAMP = text("SELECT CAST(:at AS timestamptz) AS at, CAST(:doc AS json) AS doc, pg_backend_pid() AS pid"
              ).bindparams(bindparam("at", type_=UTCDateTime())).columns(at=UTCDateTime(), doc=db.JSON())
_RENAME = text("UPDATE comment_periods SET title = :title WHERE id = :period_id RETURNING id")
_TOO_LONG = text("UPDATE comment_periods SET title = :title WHERE id = :period_id")


@pytest.fixture
def postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a statement is run alone only on PostgreSQL (the web send's one statement)")


def test_values_go_in_and_come_back_through_their_types(app, postgresql, committing_db):
    at = utcnow()
    with app.test_request_context():
        db.session.execute(text("SET TIME ZONE 'Asia/Tokyo'"))  # the session's connection, not the one used
        db.session.commit()
        row = autocommit.run(_STAMP, {"at": at, "doc": json.dumps({"web": "ウェブ"})})
    assert row["at"] == at and row["at"].tzinfo is UTC
    assert row["doc"] == {"web": "ウェブ"}
    # A column the statement binds without a value fails loudly: no default is filled in here.
    claim = insert_unless_present(MailDelivery.__table__, ("job_id",), "postgresql", "job_id",
                                  ("job_id", "recipient", "subject", "template"))
    with app.test_request_context(), pytest.raises(KeyError, match="state"):
        autocommit.run(claim, {"job_id": "x" * 32, "recipient": "a@example.jp", "subject": "s", "template": "t"})
    # Refused by the type, before anything is sent.
    with app.test_request_context(), pytest.raises(ValueError, match="naive datetime"):
        autocommit.run(_STAMP, {"at": at.replace(tzinfo=None), "doc": "{}"})


def test_the_statement_is_committed_when_it_returns(app, postgresql, committing_db, make_period):
    period_id = make_period(title="元の題名")
    with app.test_request_context():
        assert autocommit.run(_RENAME, {"title": "ひとりでに確定した題名", "period_id": period_id}) == {"id": period_id}
        db.session.rollback()  # nothing of the session's to undo: the statement was its own transaction
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).title == "ひとりでに確定した題名"
        assert autocommit.run(_RENAME, {"title": "x", "period_id": period_id + 1000}) is None


def test_a_refused_statement_raises_sqlalchemys_error_without_its_values_and_the_connection_is_kept(
        app, postgresql, committing_db, make_period, monkeypatch):
    period_id = make_period(title="元の題名")
    secret = "090-1234-5678 電話番号入り" * 20  # longer than the column: refused by PostgreSQL
    with app.test_request_context():
        engine, used = db.engine, []
        checkout = engine.raw_connection

        def watched():
            pooled = checkout()
            used.append(pooled.driver_connection)
            return pooled

        monkeypatch.setattr(engine, "raw_connection", watched)
        with pytest.raises(exc.DataError) as raised:
            autocommit.run(_TOO_LONG, {"title": secret, "period_id": period_id})
        assert "090-1234-5678" not in str(raised.value) and not raised.value.connection_invalidated
        # Back in the pool as it was taken: open, out of autocommit, so the ORM's transactions on it are as before.
        assert not used[0].closed and used[0].autocommit is False
        assert autocommit.run(_RENAME, {"title": "次の文", "period_id": period_id}) == {"id": period_id}
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).title == "次の文"


def test_after_a_restart_of_the_database_one_statement_fails_and_the_pool_is_renewed(app, postgresql,
                                                                                     committing_db):
    with app.app_context():
        engine = db.engine
    held = [engine.raw_connection() for _ in range(3)]  # the pool then holds at least three, just used
    pids = [pooled.driver_connection.info.backend_pid for pooled in held]
    for pooled in held:
        pooled.close()
    outside = create_engine(engine.url, poolclass=NullPool)  # not one of the pool's connections
    try:
        with outside.connect() as other:  # the server processes end, as in a restart
            assert all(other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}) for pid in pids)
        with app.test_request_context():
            # Back in the pool a moment ago, so not pinged before use: the statement finds its connection dead.
            with pytest.raises(exc.OperationalError) as raised:
                autocommit.run(_STAMP, {"at": utcnow(), "doc": "{}"})
            assert raised.value.connection_invalidated
            # The next statements find new connections, not the other dead ones.
            for _ in range(3):
                assert autocommit.run(_STAMP, {"at": utcnow(), "doc": "{}"})["pid"] not in pids
            assert db.session.scalar(text("SELECT pg_backend_pid()")) not in pids
    finally:
        outside.dispose()


def test_possible_only_while_the_session_has_no_transaction_on_a_connection(app, postgresql, committing_db,
                                                                            make_period):
    period_id = make_period()
    with app.test_request_context():
        assert autocommit.possible()
        period = db.session.get(CommentPeriod, period_id)  # a read begins a transaction on a connection
        assert not autocommit.possible()
        db.session.commit()
        assert autocommit.possible()
        period.title = "変えたが書いていない題名"  # unflushed: a statement alone would not see it
        assert not autocommit.possible()
        db.session.rollback()
        assert autocommit.possible()


def test_not_possible_in_a_session_bound_to_a_connection(app, postgresql):
    # The tests' own sessions run in a transaction that is rolled back (tests/conftest.py): nothing is
    # committed by a statement of its own there.
    with app.test_request_context():
        assert not autocommit.possible()
