"""The loader every staff page starts with: the row it is about, or 404, or 403 for who is asking."""

import pytest
from flask_login import current_user
from werkzeug.exceptions import Forbidden, NotFound

from app.core.auth import load_permitted
from app.core.models import JobRun
from app.extensions import db


@pytest.fixture
def run(ctx):
    row = JobRun(kind="test_run", func="tests.jobs.tasks.remember", subject_type="thing", subject_id=1)
    db.session.add(row)
    db.session.flush()
    return row


def test_load_permitted_gives_the_row_the_rule_allows_and_asks_it_about_the_current_user(run):
    asked = []
    assert load_permitted(JobRun, run.id, lambda row, user: asked.append((row, user)) or True) is run
    assert asked == [(run, current_user._get_current_object())]


def test_load_permitted_refuses_with_403_what_the_rule_refuses(run):
    with pytest.raises(Forbidden):
        load_permitted(JobRun, run.id, lambda row, user: False)


def test_load_permitted_answers_404_before_asking_the_rule(ctx):
    with pytest.raises(NotFound):
        load_permitted(JobRun, 999_999, lambda row, user: pytest.fail("the rule was asked about nothing"))
