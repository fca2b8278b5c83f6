"""What the response and result tests share. The factories are in tests/factories.py; here they are
set to what answering needs: periods already closed, and opinions accepted, about the first section."""

import random
from functools import partial

import pytest
from sqlalchemy import update

from app.extensions import db
from app.moderation.models import Opinion
from app.responses.models import Response

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


STATES = ("draft", "submitted", "approved")


@pytest.fixture
def mixed_period(app, make_period, make_opinion, make_group):  # noqa: F811 (the fixture, by name)
    """A closed period with opinions alone and in groups across its three sections and none, some
    pending or withheld (not targets), answers in every state and category (and none), and a second
    period whose opinions must not count. Returns the period id."""
    rng = random.Random(20)
    period_id = make_period()
    other_id = make_period()
    make_opinion(other_id)
    answers: list[tuple[str, int]] = []
    # Lead ids out of section order, so the sort by section position is really tested.
    for round_ in range(4):
        for section in (3, 1, 2, None):
            opinion_id = make_opinion(period_id, section=section or 1)
            if section is None:
                with app.app_context():
                    db.session.execute(update(Opinion).where(Opinion.id == opinion_id).values(section_id=None))
                    db.session.commit()
            if rng.random() < 0.75:
                answers.append(("opinion", opinion_id))
        group_id = make_group(period_id)
        # A pending first member: the lead is the oldest accepted one, and its section is the group's.
        make_opinion(period_id, group=group_id, state="pending", section=1)
        for position in (2, 1, 3)[: round_ + 1]:
            make_opinion(period_id, group=group_id, section=position)
        if round_ != 2:
            answers.append(("group", group_id))
    make_opinion(period_id, state="withheld", withhold_reason="defamation")
    make_opinion(period_id, group=make_group(period_id), state="pending")  # a group with no accepted member
    with app.app_context():
        for number, (kind, target_id) in enumerate(answers):
            db.session.add(Response(period_id=period_id, body="回答", state=STATES[number % 3],
                                    category=("", "A", "B", "C", "E")[number % 5],
                                    opinion_id=target_id if kind == "opinion" else None,
                                    group_id=target_id if kind == "group" else None))
        db.session.commit()
    return period_id
