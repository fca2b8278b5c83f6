"""A pooled PostgreSQL connection is pinged before use only after it sat idle: a busy process spends no
round trip on a connection it used a moment ago, and one the server dropped during a quiet while is
replaced without anyone seeing an error."""

import time

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from config import TestConfig

IDLE_MS = 300


@pytest.fixture
def pinging(app, committing_db):
    application = create_app(type("PingConfig", (TestConfig,), {"DATABASE_PING_IDLE_MS": IDLE_MS}))
    with application.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the ping is PostgreSQL's (SQLite has no server to lose)")
        pings = []
        real_ping = db.engine.dialect.do_ping
        db.engine.dialect.do_ping = lambda connection: pings.append(1) or real_ping(connection)
        try:
            yield pings
        finally:
            db.engine.dialect.do_ping = real_ping
            db.session.remove()
            db.engine.dispose()


def backend() -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    db.session.commit()  # the connection goes back to the pool
    return pid


def terminate(pid: int) -> None:
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.05)


@pytest.mark.services
def test_a_connection_used_a_moment_ago_is_not_pinged(pinging):
    first = backend()
    assert [backend() for _ in range(3)] == [first] * 3
    assert pinging == []
    time.sleep(IDLE_MS / 1000 + 0.1)
    assert backend() == first
    assert pinging == [1]  # idle past the setting: asked once


@pytest.mark.services
def test_a_connection_the_server_dropped_while_idle_is_replaced_unseen(pinging):
    first = backend()
    terminate(first)  # a database restart, or a firewall that forgot an idle connection
    time.sleep(IDLE_MS / 1000 + 0.1)
    assert backend() != first  # no error: the ping found it dead and the pool was renewed


@pytest.mark.services
def test_a_connection_dropped_while_busy_fails_one_transaction_and_the_pool_is_renewed(pinging):
    first = backend()
    terminate(first)
    with pytest.raises(OperationalError):  # used a moment ago, not pinged: this transaction fails
        backend()
    db.session.rollback()
    assert backend() != first  # the next one has a new connection
