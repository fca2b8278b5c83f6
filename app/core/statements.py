"""Statements the features share that SQLAlchemy spells once per dialect."""

from functools import cache

from sqlalchemy import Table, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import TextClause

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@cache
def insert_unless_present(table: Table, keys: tuple[str, ...], dialect: str, returning: str):
    """``INSERT … ON CONFLICT (keys) DO NOTHING RETURNING returning``: no row back when a row with those
    keys is there already (or is being written by a transaction that then commits: the statement waits
    for it). Built once per table and dialect; run it with the row's values as parameters."""
    return (_INSERT[dialect](table).on_conflict_do_nothing(index_elements=list(keys))
            .returning(table.c[returning]))


@cache
def insert_unless_present_text(table: Table, columns: tuple[str, ...], keys: tuple[str, ...],
                               returning: str) -> TextClause:
    """``insert_unless_present`` written out (PostgreSQL) with exactly ``columns`` bound, each typed as the table
    types it: for a statement run alone on the driver (``app.core.autocommit``), which fills in no column's
    default, so every column without one in the database must be among them. Built from the table's own
    names: nothing from a request."""
    return text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + name for name in columns)}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO NOTHING RETURNING {table.c[returning].name}"
    ).bindparams(*[bindparam(name, type_=table.c[name].type) for name in columns])
