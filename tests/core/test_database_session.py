"""What each connection of the app to PostgreSQL is set up with."""

import psycopg
import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from config import TestConfig


def _server_default(url: str) -> str:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        return conn.execute("SHOW jit").fetchone()[0]


@pytest.mark.services
def test_the_apps_connections_do_not_compile_queries_with_jit(app):
    """A counting query over a big period spent 100–130 ms compiling; a web request gains nothing from it."""
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar() == "off"
        # Every connection of the pool, not only the first: the setting is made as each one opens.
        with db.engine.connect() as first, db.engine.connect() as second:
            assert {first.execute(text("SHOW jit")).scalar(), second.execute(text("SHOW jit")).scalar()} == {"off"}
    assert _server_default(app.config["SQLALCHEMY_DATABASE_URI"]) == "on"  # so "off" above is the app's doing


@pytest.mark.services
def test_database_jit_leaves_the_servers_setting(app):
    class WithJit(TestConfig):
        DATABASE_JIT = True

    other = create_app(WithJit)
    with other.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar() == _server_default(app.config["SQLALCHEMY_DATABASE_URI"])
        db.engine.dispose()
