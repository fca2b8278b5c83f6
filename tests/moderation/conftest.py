"""What the moderation tests share: a moderator. The factories are in tests/factories.py."""

import pytest

# Their old home: imports written before the move keep working.
from tests.factories import get, make_opinion, make_period, make_submission, make_tag, user  # noqa: F401


@pytest.fixture
def moderator(make_user):
    """A moderator's id."""

    def make(name="審査 一郎"):
        return make_user("moderator", name=name)

    return make
