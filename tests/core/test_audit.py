import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.core.audit import record_audit
from app.core.models import AuditEntry
from app.extensions import db


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(ctx):
    entry = record_audit("test.action", reason="because")
    db.session.commit()
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_bulk_update_of_audit_log_is_refused_by_postgresql(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the database trigger exists on PostgreSQL; SQLite relies on the ORM guard")
    record_audit("test.action")
    db.session.flush()
    with pytest.raises(SQLAlchemyError, match="append-only"), db.session.begin_nested():
        db.session.execute(update(AuditEntry).values(reason="x"))
    with pytest.raises(SQLAlchemyError, match="append-only"), db.session.begin_nested():
        db.session.execute(delete(AuditEntry))
    assert db.session.scalar(select(AuditEntry.action).limit(1)) == "test.action"


def test_every_action_the_code_records_has_a_name_people_read():
    """The audit log and the histories show ACTION_LABELS; an action recorded without one shows its
    raw code (survey.publish) to the clerk."""
    import pathlib
    import re

    from app.core.audit_labels import ACTION_LABELS

    recorded = set()
    for path in pathlib.Path(__file__).resolve().parents[2].joinpath("app").rglob("*.py"):
        recorded |= set(re.findall(r'record_audit\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert len(recorded) > 50
    assert sorted(recorded - ACTION_LABELS.keys()) == []
