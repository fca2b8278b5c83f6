"""PostgreSQL planner settings for one transaction, where a query is known to need them."""

from sqlalchemy import func, select

from app.extensions import db


def tune_transaction(**settings: str) -> None:
    """``set_config(name, value, true)`` for each setting: until this transaction ends. Nothing on SQLite."""
    if settings and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(*[func.set_config(name, value, True) for name, value in settings.items()]))
