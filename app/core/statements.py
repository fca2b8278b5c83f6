"""Statements the features share that SQLAlchemy spells once per dialect."""

from functools import cache

from sqlalchemy import ColumnElement, Executable, Result, Table, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@cache
def insert_unless_present(table: Table, keys: tuple[str, ...], dialect: str, returning: str,
                          columns: tuple[str, ...] = ()):
    """``INSERT … ON CONFLICT (keys) DO NOTHING RETURNING returning``: no row back when a row with those
    keys is there already (or is being written by a transaction that then commits: the statement waits
    for it). Built once per table and dialect; run it with the row's values as parameters.

    ``columns``: the ones bound, named in the statement itself, so that it can also run alone on the driver
    (``app.core.autocommit``), where no column default is filled in (a defaulted column left out is still
    bound, and then wants a value)."""
    insert = _INSERT[dialect](table)
    if columns:
        insert = insert.values({name: bindparam(name, type_=table.c[name].type) for name in columns})
    return insert.on_conflict_do_nothing(index_elements=list(keys)).returning(table.c[returning])


def one_of(column: ColumnElement, name: str, dialect: str) -> ColumnElement[bool]:
    """``column IN`` the list bound as ``name``. On PostgreSQL ``column = ANY(:name)``, the list sent as one
    array: the statement's text is then the same whatever the list's length. An IN gets a parameter per
    value, a text per length, rendered again at each run by SQLAlchemy and, past psycopg's cache limit of
    fifty parameters, parsed again by the driver (the outbox's statements, for batches of up to fifty
    rows: bench/README.md, thirtieth session)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def streamed(statement: Executable, batch: int) -> Result:
    """The rows of a long read of plain columns, ``batch`` at a time from a server-side cursor, run by
    SQLAlchemy Core on the session's connection (in its transaction). The session's own ``execute`` sends
    every row of such a select through the ORM's loading as well, for rows that are the same in the end:
    reading a period's 100,000 opinions took 0.69-0.73 s of CPU that way and 0.38-0.39 s this way
    (bench/README.md, forty-second session). ``partitions()`` gives the rows in lists of ``batch``.
    What the session holds unwritten is flushed first, as its ``execute`` would, so the read sees it."""
    if db.session.autoflush:
        db.session.flush()
    return db.session.connection().execute(statement.execution_options(yield_per=batch))
