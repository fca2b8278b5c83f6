"""Every index earns its writes: none is the first columns of another index, key or constraint of its table.

A B-tree answers a search on its leading columns as an index of those columns alone would, so a narrow
index that a wider one starts with serves no query the wide one does not, and every insert writes both
(migration 030: fifteen of them, one on every send).
"""

from sqlalchemy import inspect

from app.extensions import db


def _keys(inspector, table: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """(name, key columns, whether it can be dropped for a wider one) of each index, unique constraint and
    primary key of ``table``; partial and expression indexes are left out."""
    keys = []
    for index in inspector.get_indexes(table):
        options = index.get("dialect_options", {})
        columns = index["column_names"]
        if None in columns or options.get("postgresql_where") or options.get("sqlite_where"):
            continue
        keys.append((index["name"], tuple(columns), not index["unique"]))
    for constraint in inspector.get_unique_constraints(table):
        keys.append((constraint["name"], tuple(constraint["column_names"]), False))
    primary = inspector.get_pk_constraint(table)
    if primary["constrained_columns"]:
        keys.append((primary["name"], tuple(primary["constrained_columns"]), False))
    return keys


def covered_indexes(bind) -> list[str]:
    """Each plain index of the schema that ``bind`` (an engine or a connection) sees whose columns another
    index, unique constraint or primary key of its table begins with."""
    inspector = inspect(bind)
    found = []
    for table in inspector.get_table_names():
        keys = _keys(inspector, table)
        for name, columns, droppable in keys:
            # A set: PostgreSQL lists a unique constraint's index among the indexes too.
            wider = {other for other, other_columns, _ in keys if other != name and other_columns[:len(columns)] == columns}
            if droppable and wider:
                found.append(f"{table}.{name} (covered by {', '.join(sorted(wider))})")
    return sorted(found)


def test_no_index_is_the_leading_columns_of_another_on_its_table(app):
    with app.app_context():
        assert covered_indexes(db.engine) == []


def test_the_check_finds_an_index_that_a_unique_constraint_starts_with(app):
    """The check itself: an index on a column that a unique key of the table begins with is found."""
    with app.app_context():
        connection = db.session.connection()
        connection.exec_driver_sql("CREATE INDEX ix_tags_period_id_again ON tags (period_id)")
        try:
            assert covered_indexes(connection) == ["tags.ix_tags_period_id_again (covered by uq_tags_period_name)"]
        finally:
            connection.exec_driver_sql("DROP INDEX ix_tags_period_id_again")
            db.session.rollback()
