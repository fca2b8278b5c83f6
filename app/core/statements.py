"""Statements the features share that SQLAlchemy spells once per dialect."""

from functools import cache

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@cache
def insert_unless_present(table: Table, keys: tuple[str, ...], dialect: str, returning: str):
    """``INSERT … ON CONFLICT (keys) DO NOTHING RETURNING returning``: no row back when a row with those
    keys is there already (or is being written by a transaction that then commits: the statement waits
    for it). Built once per table and dialect; run it with the row's values as parameters."""
    return (_INSERT[dialect](table).on_conflict_do_nothing(index_elements=list(keys))
            .returning(table.c[returning]))
