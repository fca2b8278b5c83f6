"""What one web send asks of the database: a guard on the send's cost (bench/README.md), counted, not timed."""

from sqlalchemy import event

from app.extensions import db
from tests.submissions.conftest import confirmed_data, opinion, send

# The period with its plan and sections, the settings, the submission and its entries in a savepoint
# (4 with SAVEPOINT and RELEASE), the search index (one statement on PostgreSQL, two on SQLite), the
# counter that takes the lock, the outbox row for the receipt email, the number.
MOST_STATEMENTS = {"postgresql": 10, "sqlite": 11}


def test_a_web_send_is_one_transaction_of_few_statements(app, client, make_period, committing_db):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(email="hanako@example.jp"))
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):
            statements.append(" ".join(statement.split())[:100])

    def on_commit(conn):
        statements.append("COMMIT")

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        assert send(client, period_id, data).status_code == 303
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)
    assert "COMMIT" in statements
    first = statements.index("COMMIT")
    assert first <= MOST_STATEMENTS[engine.dialect.name], "\n".join(statements)
    if app.config["REDIS_URL"]:
        # The job goes to RQ after the commit with nothing more written (without Redis it runs inline).
        assert statements[first + 1:] == [], "\n".join(statements)
