"""A web process's time limits in PostgreSQL: a request stuck in the database holds its gunicorn worker's
only thread while the worker's loop lives on (gunicorn never kills it for that), so the database ends it."""

import time

import psycopg
import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.extensions import db
from app.submissions.models import Submission
from config import TestConfig
from tests.submissions.conftest import confirmed_data, opinion, receipt_of, send


def _settings(application) -> tuple[str, str]:
    with application.app_context():
        with db.engine.connect() as conn:
            values = conn.execute(text("SHOW statement_timeout")).scalar(), conn.execute(text("SHOW lock_timeout")).scalar()
        db.engine.dispose()
    return values


def _web_app(app, **settings):
    config = type("WebConfig", (TestConfig,), {"WEB_PROCESS": True, **settings})
    web = create_app(config)
    web.config["MAIL_PORT"] = app.config["MAIL_PORT"]
    return web


@pytest.mark.services
def test_a_web_processs_connections_limit_statements_and_lock_waits_and_other_processes_do_not(app):
    assert _settings(_web_app(app, WEB_STATEMENT_TIMEOUT_MS=20000, WEB_LOCK_TIMEOUT_MS=5000)) == ("20s", "5s")
    assert _settings(_web_app(app, WEB_STATEMENT_TIMEOUT_MS=0, WEB_LOCK_TIMEOUT_MS=0)) == ("0", "0")
    # Jobs, the scheduler and commands (no MEYASU_WEB_PROCESS) run long: the server's own settings.
    assert _settings(app) == ("0", "0")
    # A web process without Redis runs its jobs inside its requests: there only the lock wait is limited.
    assert _settings(_web_app(app, REDIS_URL=None, WEB_LOCK_TIMEOUT_MS=5000)) == ("0", "5s")


@pytest.mark.services
def test_a_send_that_waits_on_a_locked_period_answers_503_keeping_the_text_and_can_be_sent_again(
        app, committing_db, make_period):
    period_id = make_period()
    web = _web_app(app, WEB_LOCK_TIMEOUT_MS=300)
    client = web.test_client()
    body = "ロックを待つ送信の意見です。"
    data = confirmed_data(client, period_id, opinion(body))
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as holder:  # staff's transaction, or a job's, holding the period's row
        holder.execute("SELECT id FROM comment_periods WHERE id = %s FOR UPDATE", (period_id,))
        started = time.monotonic()
        refused = send(client, period_id, data)
        waited = time.monotonic() - started
        holder.rollback()
    assert refused.status_code == 503, refused.get_data(as_text=True)[:2000]
    assert refused.headers["Retry-After"]
    assert body in refused.get_data(as_text=True)  # kept, with a button that sends it again
    assert waited < 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0

    sent = send(client, period_id, data)  # the same key, once the lock is gone
    assert sent.status_code == 303
    number, _code, _html = receipt_of(client, sent)
    assert number == f"{period_id}-00001"
    with web.app_context():
        db.engine.dispose()

