"""Paging through a select() without loading everything."""

from dataclasses import dataclass
from math import ceil

from sqlalchemy import Select, func, select

from app.core.ids import MAX_ID
from app.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query: Select, page: int, per_page: int = 50, *, rows: bool = False, total: int | None = None) -> Page:
    """One page of ``query``: its first column's values, or whole rows with ``rows=True``. ``total``,
    when the caller already knows how many rows match, saves the count."""
    # A page past MAX_ID is empty anyway; bounding it keeps the OFFSET within what the database takes.
    page = min(max(1, page), MAX_ID)
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    window = query.limit(per_page).offset((page - 1) * per_page)
    items = db.session.execute(window).all() if rows else db.session.scalars(window).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)
