"""Alembic environment, run through Flask-Migrate with the app's engine and metadata."""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

from app.core.types import UTCDateTime

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db

# Until 2026-12 revisions were numbered as they were written (0001, 0002, 0030, 0010, 0050, …), so a new
# database printed its steps out of order. They are now numbered in chain order with three digits; a
# database stamped with an old number is re-stamped with the new one before Alembic reads it. The two
# sets share no value, so a stamp is never ambiguous.
RENUMBERED = {"0001": "001", "0002": "002", "0030": "003", "0010": "004", "0050": "005", "0020": "006",
              "0104": "007", "0105": "008", "0101": "009", "0110": "010", "0107": "011"}


def adopt_renumbered_revisions(connection) -> None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return
    version = sa.table("alembic_version", sa.column("version_num"))
    for old, new in RENUMBERED.items():
        connection.execute(sa.update(version).where(version.c.version_num == old).values(version_num=new))


def render_item(type_, obj, autogen_context):
    """Write our UTC type as the plain column it stores, so migrations import nothing of the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_object(obj, name, type_, reflected, compare_to):
    # Tables made by libraries at run time (none yet) would be listed here.
    return True


def run_migrations_online() -> None:
    def process_revision_directives(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("compare_type", True)
    connectable = target_db.engine
    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode changes a table by copying it, dropping it and renaming the copy: with foreign
            # keys on, the drop would delete (cascade) every row that points at it. Off for the run, set
            # on the bare connection before any transaction (inside one SQLite ignores it); checked after.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            render_item=render_item,
            include_object=include_object,
            **conf_args,
        )
        with context.begin_transaction():
            adopt_renumbered_revisions(connection)
            context.run_migrations()
        if sqlite:
            raw = connection.connection.driver_connection
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"rows point at nothing after the migration: {broken[:10]}")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `flask db upgrade` against a database")
run_migrations_online()
