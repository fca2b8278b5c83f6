"""Planner settings for one transaction: set where asked, gone when the transaction ends."""

import pytest
from sqlalchemy import text

from app.core.planner import tune_transaction
from app.extensions import db


@pytest.mark.services
def test_a_setting_lasts_until_the_transaction_ends(ctx):
    before = db.session.scalar(text("SHOW random_page_cost"))
    tune_transaction(random_page_cost="1.1", jit="off")
    assert (db.session.scalar(text("SHOW random_page_cost")), db.session.scalar(text("SHOW jit"))) == ("1.1", "off")
    db.session.rollback()
    assert db.session.scalar(text("SHOW random_page_cost")) == before != "1.1"


def test_sqlite_is_left_alone(ctx):
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("the SQLite run")
    tune_transaction(random_page_cost="1.1")  # no such setting there, and no error
    assert db.session.scalar(text("SELECT 1")) == 1
