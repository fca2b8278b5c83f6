"""Fixtures the core tests borrow from the features they exercise (pages to cache, forms to shed)."""

from tests.periods.conftest import count_rows, make_period, uploads_dir  # noqa: F401  (shared fixtures)
