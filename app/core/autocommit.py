"""One statement as a transaction of its own, run on the database driver: for the site's hottest write.

A web send on PostgreSQL is one statement (``app.submissions.pgsend``). Through the ORM session it cost the
web process 0.53–0.59 ms of CPU, BEGIN and COMMIT being round trips of their own and the session's and
Core's bookkeeping coming around each; on a pooled connection's driver in autocommit, 0.18–0.20 ms, and
half a millisecond less of waiting (bench/README.md, twenty-fifth session). What Core would do for it is
done here: the values bound through their types, the row read back through its columns' types, a failure
raised as SQLAlchemy's error (its parameters left out: a send's are personal data), the pool renewed when
the database went away.

Only for a statement that needs nothing of the request's own transaction: run beside it, it would see none
of what that transaction wrote and would wait for its locks. ``possible`` says whether the session has a
transaction on a connection yet (then the statement belongs in it: that also keeps a request to one pooled
connection) or anything not yet flushed, and whether it is bound to the engine at all (tests bind it to a
connection in a transaction of their own).
"""

from functools import cache
from typing import Any

from sqlalchemy import Engine, Executable, event, exc
from sqlalchemy.orm import Session

from app.extensions import db

_ON_A_CONNECTION = "meyasu_transaction_on_a_connection"


def possible() -> bool:
    """Whether a statement may run alone: on PostgreSQL (psycopg), the request's session bound to the engine
    and ``settled``."""
    bind = db.session().get_bind()
    return isinstance(bind, Engine) and bind.dialect.name == "postgresql" and settled()


def settled() -> bool:
    """Whether the request's session holds nothing a commit would write or end: no transaction begun on a
    connection, nothing unflushed. After a statement run alone, a commit of the session would only expire
    what it holds (a send's period, its plan and sections: 4 % of a send's samples in py-spy,
    bench/README.md, twenty-eighth session)."""
    session = db.session()
    return not (session.info.get(_ON_A_CONNECTION) or session.new or session.dirty or session.deleted)


def run(statement: Executable, params: dict[str, Any]) -> dict[str, Any] | None:
    """Run ``statement`` in a transaction of its own, committed when this returns, and give its first row
    as {column: value}, or None. Every value it binds comes from ``params``: no column default is filled in
    here (a statement that binds one without a value fails with a ``KeyError`` naming it)."""
    engine = db.engine
    dialect = engine.dialect
    sql, binds, columns = _compiled(statement, dialect)
    values = {name: process(params[name]) if process else params[name] for name, process in binds}
    try:
        pooled = engine.raw_connection()
    except dialect.loaded_dbapi.Error as error:  # no connection to be had (the database is restarting)
        raise exc.DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error, hide_parameters=True,
                                      dialect=dialect) from error
    driver = pooled.driver_connection
    try:
        driver.autocommit = True
        with driver.cursor() as cursor:
            row = cursor.execute(sql, values).fetchone()
            names = [column.name for column in cursor.description]
        driver.autocommit = False
    except dialect.loaded_dbapi.Error as error:
        # As Core does: a connection that the error broke does not go back to the pool, and the error is
        # SQLAlchemy's, which the error pages know (the busy page, with the person's text kept).
        broken = dialect.is_disconnect(error, driver, None)
        if broken:
            # The database went away (a restart): the other connections the pool holds went with it. Renew
            # them all, as Core does, so that the process's next requests do not each find one dead.
            pooled.invalidate(error)
            engine.pool.dispose()
        else:
            driver.autocommit = False
        raise exc.DBAPIError.instance(sql, values, error, dialect.loaded_dbapi.Error, hide_parameters=True,
                                      connection_invalidated=broken, dialect=dialect) from error
    finally:
        pooled.close()
    if row is None:
        return None
    return {name: columns[name](value) if columns.get(name) else value for name, value in zip(names, row, strict=True)}


@event.listens_for(Session, "after_begin")
def _began_on_a_connection(session: Session, _transaction, _connection) -> None:
    session.info[_ON_A_CONNECTION] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_ON_A_CONNECTION, None)


@cache
def _compiled(statement: Executable, dialect) -> tuple[str, list, dict]:
    """The statement as the driver takes it, each parameter's bind processor, and the result processors of
    the columns it types (``text().columns()``): made once per statement."""
    compiled = statement.compile(dialect=dialect)
    binds = [(name, param.type.bind_processor(dialect)) for name, param in compiled.binds.items()]
    columns = {column.key: column.type.result_processor(dialect, None)
               for column in getattr(statement, "selected_columns", ())}
    return compiled.string, binds, columns
