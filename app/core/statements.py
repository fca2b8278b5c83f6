"""Statements the features share that SQLAlchemy spells once per dialect."""

from functools import cache

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

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

