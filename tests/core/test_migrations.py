"""`flask db upgrade` on an empty database gives exactly the models' schema, on both engines."""

import json
import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from config import TestConfig


def _diff(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_test_database_built_by_migrations_matches_the_models(app):
    # The session database (PostgreSQL in CI) was built by `upgrade()` from empty in conftest.
    with app.app_context():
        assert _diff(db.session.connection()) == []


def test_sqlite_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(tmp_path):
    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        REDIS_URL = None

    fresh = create_app(FileConfig)
    with fresh.app_context():
        upgrade()
        with db.engine.connect() as connection:
            assert _diff(connection) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "plans" in inspect(db.engine).get_table_names()


def test_sqlite_upgrade_keeps_every_row_of_a_table_it_rebuilds(tmp_path):
    """Batch mode rebuilds a table to change its constraints (008: submissions); with foreign keys on,
    dropping the old table fails on (or cascade-deletes) the rows pointing at it. Run as an operator
    does, in processes of their own: the suite's session is bound to the test database."""
    import sqlite3

    from tests.operator import flask_command

    flask = flask_command(f"sqlite:///{tmp_path / 'filled.sqlite3'}", tmp_path)

    def count(table):
        with sqlite3.connect(tmp_path / "filled.sqlite3") as connection:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608

    # The demo is loaded by today's code, so into today's schema; then down past 008 and up again,
    # both ways through its rebuild of the submissions table.
    flask("db", "upgrade")
    flask("demo", "load")
    before = {table: count(table) for table in ("submissions", "submission_entries", "opinions")}
    assert all(before.values())
    flask("db", "downgrade", "007")
    assert {table: count(table) for table in before} == before
    flask("db", "upgrade")
    assert {table: count(table) for table in before} == before


def _chain(app):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return script, [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_revisions_read_in_chain_order(app):
    """A new database prints its steps in order: each revision's number is above the one it follows,
    and its file is named after it."""
    with app.app_context():
        script, chain = _chain(app)
        assert chain == sorted(chain)
        for revision in chain:
            path = script.get_revision(revision).path
            assert os.path.basename(path).startswith(f"{revision}_"), path


def test_a_database_stamped_with_an_old_number_is_upgraded_from_where_it_is(tmp_path):
    """Revisions were renumbered; a database stamped 0010 (workshops, before the renumbering) resumes at
    the step after workshops, not at the new 010."""
    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        REDIS_URL = None

    old = create_app(FileConfig)
    with old.app_context():
        upgrade(revision="004")
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0010'"))
        upgrade()
        with db.engine.connect() as connection:
            assert _diff(connection) == []
            heads = _chain(old)[1][-1]
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == heads


def test_012_gives_stored_label_lists_their_english_side_and_takes_it_away_again(tmp_path):
    from sqlalchemy import text

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'labels.sqlite3'}"
        REDIS_URL = None

    fresh = create_app(FileConfig)
    with fresh.app_context():
        upgrade(revision="011")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO settings (key, value, updated_at) VALUES "
                                    "('period.attributes', :a, '2026-01-01'), ('response.categories', :c, '2026-01-01')"),
                               {"a": '[["resident", "在住"], ["visitor", "来訪者"]]',
                                "c": '[["A", "反映する"], ["B", "盛り込み済み"]]'})
        upgrade()
        with db.engine.connect() as connection:
            rows = dict(connection.execute(text("SELECT key, value FROM settings")).all())
        assert json.loads(rows["period.attributes"]) == [["resident", "在住", "Lives in the city"],
                                                         ["visitor", "来訪者", ""]]
        assert json.loads(rows["response.categories"]) == [["A", "反映する", "Reflected in the plan"],
                                                           ["B", "盛り込み済み", ""]]
        downgrade(revision="011")
        with db.engine.connect() as connection:
            rows = dict(connection.execute(text("SELECT key, value FROM settings")).all())
        assert json.loads(rows["period.attributes"]) == [["resident", "在住"], ["visitor", "来訪者"]]

