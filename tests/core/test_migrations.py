"""`flask db upgrade` on an empty database gives exactly the models' schema, on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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
