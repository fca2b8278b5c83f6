"""Fixtures the account tests borrow: a comment period, to check that citizens are not affected."""

from tests.periods.conftest import count_rows, make_period, uploads_dir  # noqa: F401  (shared fixtures)
