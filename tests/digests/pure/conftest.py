"""The digest algorithms are pure functions: these tests need neither the app nor a database.

The suite-wide autouse fixtures in tests/conftest.py build the app and open a transaction for
every test; overriding them here by name keeps these tests plain and fast.
"""

import pytest


@pytest.fixture(autouse=True)
def _database():
    yield


@pytest.fixture(autouse=True)
def _clean_redis():
    yield
