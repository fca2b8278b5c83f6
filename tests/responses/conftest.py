"""What the response and result tests share. The factories are in tests/factories.py; here they are
set to what answering needs: periods already closed, and opinions accepted, about the first section."""

from functools import partial

import pytest

# Their old home: imports written before the move keep working.
from tests.factories import answered, make_group, make_submission, staff_pair, user  # noqa: F401


@pytest.fixture(autouse=True)
def _export_folder(app, tmp_path):
    saved = app.config["EXPORT_FOLDER"]
    app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    yield
    app.config["EXPORT_FOLDER"] = saved


@pytest.fixture
def make_period(make_period):
    """A closed period unless ``state="open"``: answers are written after the period closes."""
    return partial(make_period, state="closed")


@pytest.fixture
def make_opinion(make_opinion):
    """An opinion ready to be answered: accepted, about section 1, unless told otherwise."""
    return partial(make_opinion, state="accepted", section=1)
