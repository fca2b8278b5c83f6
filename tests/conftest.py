"""Fixtures for every test: the app, a database rolled back after each test, clients per role,
the shared factories (tests/factories.py), a local SMTP server that captures mail, and a way to run queued jobs.

With TEST_DATABASE_URL / TEST_REDIS_URL set (CI sets them to the real PostgreSQL and Redis) the
suite runs against those; otherwise against SQLite in memory with jobs inline. Tests marked
``services`` need the real services: they skip on a laptop without them and fail in CI.
"""

import os
import threading

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.core import i18n
from app.extensions import db
from config import TestConfig

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# The factories (make_user, make_plan, make_period, make_submission, make_opinion, …), for every test.
pytest_plugins = ("tests.factories",)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "services" in item.keywords and not (os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
                                                 and os.environ.get("TEST_REDIS_URL")):
            if IN_CI:
                item.add_marker(pytest.mark.xfail(reason="CI must provide PostgreSQL and Redis", strict=True,
                                                  run=False))
            else:
                item.add_marker(pytest.mark.skip(reason="needs TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL"))


class CapturingHandler:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_server():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = CapturingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, handler
    controller.stop()


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()


@pytest.fixture(scope="session")
def app(smtp_server):
    controller, _ = smtp_server
    application = create_app(TestConfig)
    application.config["MAIL_PORT"] = controller.port
    i18n.compile_all()
    with application.app_context():
        _reset_schema()
    return application


@pytest.fixture(autouse=True)
def _database(request, app):
    """Each test runs inside a transaction that is rolled back; commits become savepoints."""
    if "committing_db" in request.fixturenames:
        yield
        return
    # No app context stays pushed during the test: each request, like in production, gets its own.
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
    )
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()


@pytest.fixture
def committing_db(app):
    """For tests that need real commits (threads, worker processes): every table is emptied after."""
    yield
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def keeping(app):
    """As in production: the period and the settings kept a while by the process (both off under test), so
    that the opinion form's steps read neither from the database."""
    from app.core.settings import forget_kept_settings
    from app.periods.pages import forget_kept_periods

    app.config.update(PERIOD_KEEP_SECONDS=60, SETTINGS_CACHE_SECONDS=60)
    with app.app_context():
        forget_kept_periods()
    yield app
    app.config.update(PERIOD_KEEP_SECONDS=0)
    app.config.pop("SETTINGS_CACHE_SECONDS")
    with app.app_context():
        forget_kept_periods()
        forget_kept_settings()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture(autouse=True)
def _clean_redis(app):
    if app.config.get("REDIS_URL"):
        from redis import Redis

        Redis.from_url(app.config["REDIS_URL"]).flushdb()
    app.extensions.pop("meyasu_redis", None)
    yield


@pytest.fixture
def mailbox(smtp_server):
    _, handler = smtp_server
    with handler.lock:
        handler.messages.clear()
    return handler.messages


@pytest.fixture
def run_jobs(app):
    """Run what is queued, the way production does: a real RQ worker in burst mode when Redis is
    configured (in this process, so it sees the test's transaction); inline mode already ran them."""

    def run() -> None:
        if not app.config.get("REDIS_URL"):
            return
        from workers import build_worker

        build_worker(app, fork=False).work(burst=True)

    return run


@pytest.fixture
def uploads_dir(app, tmp_path):
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = saved


@pytest.fixture
def own_folders(app, tmp_path, monkeypatch):
    """The demo's files (its result exports, uploads) go to this test's folder, not to one other tests read."""
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path / "exports"))
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def count_rows(app):
    from sqlalchemy import func, select

    def count_of(model) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return count_of


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path: str = "/login") -> str:
    """The session's CSRF token, read from ``path``; from the login page when ``path`` has no form for
    this client (a page that only shows things carries no token for a visitor who is not logged in)."""
    import re

    def token_on(page: str) -> str | None:
        html = client.get(page).get_data(as_text=True)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', html
        )
        return match.group(1) if match else None

    token = token_on(path) or token_on("/login")
    assert token, f"no CSRF token on {path} or /login"
    return token


def login(client, email: str, password: str = "correct horse battery"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(app, client, make_user):
    """A client logged in with the given roles; returns (client, user_id)."""

    def do(*roles, department="まちづくり政策課"):
        user_id = make_user(*roles, department=department)
        with app.app_context():
            from app.accounts.models import User

            email = db.session.get(User, user_id).email
        response = login(client, email)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return client, user_id

    return do
