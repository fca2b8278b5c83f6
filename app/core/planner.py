"""PostgreSQL planner settings for one transaction, where a query is known to need them."""

from sqlalchemy import func, select

from app.extensions import db


def tune_transaction(**settings: str) -> None:
    """``set_config(name, value, true)`` for each setting: until this transaction ends. Nothing on SQLite."""
    if settings and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(*[func.set_config(name, value, True) for name, value in settings.items()]))


def prefer_indexes() -> None:
    """For a query that reads a period's rows through covering indexes (a merge join in id order, an
    index-only count): PostgreSQL's default ``random_page_cost`` (4, a spinning disk) prices an index page
    so high that it reads the wide rows instead, and hashes them; 1.1 is the usual value for SSDs and for
    data in memory."""
    tune_transaction(random_page_cost="1.1")
