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


def _application_name(config) -> str:
    named = create_app(config)
    with named.app_context():
        with db.engine.connect() as conn:
            name = conn.execute(text("SHOW application_name")).scalar()
        db.engine.dispose()
    return name


@pytest.mark.services
def test_each_kind_of_process_names_its_connections_for_the_dba():
    """pg_stat_activity says whose backend waits for a period's lock or spends the CPU: the web's, a worker's,
    the scheduler's or a command's (psycopg's own default is no name at all)."""
    assert _application_name(TestConfig) == "meyasu"
    assert _application_name(type("Web", (TestConfig,), {"WEB_PROCESS": True})) == "meyasu-web"
    assert _application_name(type("Worker", (TestConfig,), {"PROCESS_ROLE": "worker"})) == "meyasu-worker"
    # The web wins over a role left in the environment by whoever started gunicorn.
    assert _application_name(type("Both", (TestConfig,), {"WEB_PROCESS": True, "PROCESS_ROLE": "worker"})) == "meyasu-web"


def test_a_role_that_could_break_out_of_the_setting_stops_the_app_at_its_start():
    from app.core import application_name

    assert application_name({"PROCESS_ROLE": "scheduler"}) == "meyasu-scheduler"
    for role in ("worker'; DROP TABLE submissions; --", "Worker", "a" * 41, "worker\n"):
        with pytest.raises(ValueError, match="MEYASU_PROCESS_ROLE"):
            application_name({"PROCESS_ROLE": role})


def test_python_m_workers_names_its_role_before_the_app_reads_its_config(monkeypatch):
    import os

    import workers.__main__ as entry

    seen = []
    environment = {}
    monkeypatch.setattr(os, "environ", environment)  # what the process would start with: no role

    def made():  # the app reads MEYASU_PROCESS_ROLE as it is made; nothing more is needed here
        seen.append(environment.pop("MEYASU_PROCESS_ROLE", None))
        raise SystemExit(0)

    monkeypatch.setattr(entry, "create_app", made)
    for argv in (["--scheduler"], ["high"], []):
        with pytest.raises(SystemExit):
            entry.main(argv)
    assert seen == ["scheduler", "worker", "worker"]
