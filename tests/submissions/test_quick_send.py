"""The send reads a confirmed form without binding ``SubmissionForm`` (``forms.quick_received``): whatever
that quick read accepts, the form accepts with the same values; whatever else goes to the form."""

from unittest import mock

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.periods.models import CommentPeriod
from app.submissions import views
from app.submissions.forms import SubmissionForm, quick_received
from tests.submissions.conftest import confirmed_data, opinion, send

BASE = {"name": "下関 花子", "attribute": "resident", "entries-0-section": "", "entries-0-body": "開館時間を延ばしてください。",
        "consent": "y", "homepage": "", "idempotency_key": "k" * 32}

VARIANTS = [
    {},
    {"name": "  下関\u3000 花子 "},
    {"name": ""}, {"name": "   "}, {"name": "\u202e"}, {"name": "名" * 100}, {"name": "名" * 101},
    {"address": "下関市南部町1-1"}, {"address": "所" * 301},
    {"email": "hanako@example.jp"}, {"email": "  hanako@example.jp "}, {"email": "not-an-email"},
    {"email": "\u202e"}, {"email": "a@" + "b" * 260 + ".jp"},
    {"phone": "083-231-1111"},
    {"attribute": ""}, {"attribute": "worker"}, {"attribute": "alien"}, {"attribute": " resident"},
    {"consent": ""}, {"consent": "false"}, {"consent": "no"},
    {"homepage": "http://spam.example"},
    {"entries-0-body": ""}, {"entries-0-body": " \r\n "}, {"entries-0-body": "あ" * 2000},
    {"entries-0-body": "あ" * 2001}, {"entries-0-body": "一行目\r\n二行目"},
    {"entries-0-section": "SECTION"}, {"entries-0-section": "999999"}, {"entries-0-section": "x"},
    {"entries-0-section": "SECTION", "entries-0-body": ""},
    {"entries-1-body": "二つ目の意見です。"}, {"entries-1-body": "", "entries-1-section": ""},
    {"entries-2-body": "番号が飛んでいます。"}, {"entries-01-body": "前に0"},
    {"entries-0-extra": "?"},
]


def _variant(changes: dict, section_id: int) -> MultiDict:
    data = MultiDict({**BASE, **changes})
    for key, value in data.items():
        if value == "SECTION":
            data[key] = str(section_id)
    return data


@pytest.mark.parametrize("rules", [{}, {"phone": "optional", "email": "required", "address": "hidden"}])
@pytest.mark.parametrize("changes", VARIANTS)
def test_what_the_quick_read_accepts_the_form_accepts_with_the_same_values(app, make_period, changes, rules):
    period_id = make_period()
    with app.app_context():
        period = db.session.get(CommentPeriod, period_id)
        period.field_rules = rules
        section_id = period.sections[0].id if period.sections else 1
        data = _variant(changes, section_id)
        with app.test_request_context(method="POST", data=data):
            quick = quick_received(period, data)
            form = SubmissionForm(period=period, meta={"csrf": False})
            valid = form.validate() and not form.is_spam
        if quick is not None:
            assert valid, form.errors
            assert quick == form.received()


def test_the_plain_cases_take_the_quick_read(app, make_period):
    period_id = make_period()
    with app.app_context():
        period = db.session.get(CommentPeriod, period_id)
        for changes in ({}, {"email": "hanako@example.jp"}, {"entries-1-body": "二つ目の意見です。"}):
            assert quick_received(period, _variant(changes, 0)) is not None, changes


def test_a_valid_send_builds_no_form_and_an_invalid_one_is_refused_by_the_form(client, make_period):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(email="hanako@example.jp"))
    with mock.patch.object(views, "SubmissionForm", wraps=SubmissionForm) as built:
        built.reset_mock()
        assert send(client, period_id, data).status_code == 303
        assert built.call_count == 0
        data = confirmed_data(client, period_id, opinion())
        built.reset_mock()
        response = send(client, period_id, {**data, "email": "not-an-email"})
    assert response.status_code == 200 and built.call_count == 1
    html = response.get_data(as_text=True)
    assert "name@example.jp" in html  # the form's own message, next to the field
