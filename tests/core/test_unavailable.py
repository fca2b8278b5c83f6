"""While the database cannot be reached, every page answers 503 with Retry-After and a clear message
in Japanese and English (never a stack trace), and a form's text comes back to the person who sent it."""

import pytest

from app import create_app
from config import TestConfig
from tests.submissions.conftest import confirmed_data, opinion, send

BODY = "停電の翌日に書いた意見です。避難所の案内を多言語で掲示してください。"


class DatabaseDownConfig(TestConfig):
    # Nothing listens on port 1: every connection is refused, as while PostgreSQL restarts.
    SQLALCHEMY_DATABASE_URI = "postgresql://postgres@127.0.0.1:1/meyasu"
    WTF_CSRF_ENABLED = False  # the token is checked against the session, which needs no database anyway


@pytest.fixture
def down(app, committing_db):
    """A second app whose database is down; ``committing_db`` keeps the suite's session out of it."""
    application = create_app(DatabaseDownConfig)
    application.config["UPLOAD_FOLDER"] = app.config["UPLOAD_FOLDER"]
    return application


def test_a_public_page_answers_503_with_retry_after_in_both_languages(down):
    response = down.test_client().get("/periods/1")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(down.config["UNAVAILABLE_RETRY_AFTER"])
    assert response.headers["Cache-Control"] == "no-store"
    assert "一時的に利用できません" in html and "temporarily unavailable" in html
    assert "Traceback" not in html and "psycopg" not in html and "127.0.0.1" not in html


def test_a_send_while_the_database_is_down_keeps_the_text_and_the_idempotency_key(down, app, client, make_period):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(BODY))
    response = down.test_client().post(f"/periods/{period_id}/submit/send", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert BODY in html
    assert data["idempotency_key"] in html  # "Send again" finds the first one if it was stored after all
    assert f'action="/periods/{period_id}/submit/send"' in html
    # Once the database is back, the kept form goes through.
    assert send(client, period_id, data).status_code == 303


def test_a_login_while_the_database_is_down_does_not_write_the_password_back(down):
    response = down.test_client().post("/login", data={"email": "staff@example.jp", "password": "hunter2-secret"})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "staff@example.jp" in html
    assert "hunter2-secret" not in html


def test_the_api_answers_503_problem_json_with_retry_after(down):
    response = down.test_client().get("/api/v1/plans")
    assert response.status_code == 503
    # The limiter's headers may push it to the end of its own window, never below ours.
    assert int(response.headers["Retry-After"]) >= down.config["UNAVAILABLE_RETRY_AFTER"]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503


def test_a_page_already_answered_stays_answered_when_the_database_goes_away_at_teardown(client, monkeypatch):
    """PostgreSQL restarting between the view's answer and the session's closing ROLLBACK (seen in
    bench.faults): the citizen keeps the page; the error is logged, not turned into a bare 500."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    def close_fails(self):
        raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))

    monkeypatch.setattr(Session, "close", close_fails)
    response = client.get("/")
    assert response.status_code == 200
    assert "<main" in response.get_data(as_text=True)


def test_a_send_whose_own_statement_finds_the_database_restarting_keeps_the_text(app, client, make_period,
                                                                               committing_db, keeping, monkeypatch):
    """On PostgreSQL the send's statement takes a connection of its own (app/core/autocommit.py); while the
    database restarts that checkout is refused, and the person gets the busy page with the text, not a 500
    (seen in bench.faults). ``keeping``: as in production, nothing is read from the database before it."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("a send's statement runs alone only on PostgreSQL")
    import psycopg

    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(BODY))

    def refused():
        raise psycopg.OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 '
                                       "failed: Connection refused")

    monkeypatch.setattr(engine, "raw_connection", refused)
    response = send(client, period_id, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert BODY in html and data["idempotency_key"] in html
    assert "Traceback" not in html and "Connection refused" not in html
    monkeypatch.undo()
    assert send(client, period_id, data).status_code == 303
