"""Statements the features share (``app.core.statements``)."""

from sqlalchemy import select
from sqlalchemy.engine import CursorResult

from app.accounts.models import User
from app.core.statements import streamed
from app.extensions import db


def test_a_streamed_read_gives_the_sessions_rows_in_batches_without_the_orm(app, make_user):
    ids = [make_user("staff") for _ in range(7)]
    query = select(User.id, User.email).where(User.id.in_(ids)).order_by(User.id)
    with app.app_context():
        expected = [tuple(row) for row in db.session.execute(query)]
        result = streamed(query, 3)
        # Core's own result: the rows did not go through the ORM's loading on their way.
        assert isinstance(result, CursorResult)
        parts = [[tuple(row) for row in part] for part in result.partitions()]
        assert [len(part) for part in parts] == [3, 3, 1]
        assert [row for part in parts for row in part] == expected
        assert parts[0][0][0] == ids[0] and parts[0][0][1].endswith("@example.jp")
        # The batch was the statement's: the session's connection streams nothing after it.
        assert "yield_per" not in db.session.connection().get_execution_options()
        assert len(db.session.execute(query).all()) == 7


def test_a_streamed_read_sees_what_the_session_has_not_written_yet(app, make_user):
    user_id = make_user("staff")
    with app.app_context():
        db.session.get(User, user_id).email = "renamed@example.jp"  # pending, not flushed
        rows = streamed(select(User.email).where(User.id == user_id), 10).all()
        assert rows == [("renamed@example.jp",)]
        db.session.rollback()
