"""Rules that must hold: the server's clock decides, bad input changes nothing, spam is turned away."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.periods.models import CommentPeriod
from app.submissions.models import Attachment, Submission
from tests.periods.conftest import PDF
from tests.submissions.conftest import confirm, confirmed_data, opinion, send, submit


def test_submission_committed_after_closing_is_refused_even_if_the_form_opened_in_time(
        app, client, make_period, count_rows, monkeypatch):
    closes_at = utcnow() + timedelta(minutes=10)
    period_id = make_period(closes_at=closes_at)
    data = confirmed_data(client, period_id, opinion("締切の直前に書き終えた意見です。"))
    # The person presses Send one second after the closing instant.
    monkeypatch.setattr("app.submissions.services.utcnow", lambda: closes_at + timedelta(seconds=1))
    response = send(client, period_id, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "締め切ったため" in html
    assert "締切の直前に書き終えた意見です。" in html  # kept, to copy
    assert count_rows(Submission) == 0
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).receipt_counter == 0  # no number used up


def test_submission_at_the_closing_second_is_accepted(client, make_period, monkeypatch):
    closes_at = utcnow() + timedelta(minutes=10)
    period_id = make_period(closes_at=closes_at)
    data = confirmed_data(client, period_id, opinion())
    monkeypatch.setattr("app.submissions.services.utcnow", lambda: closes_at)
    assert send(client, period_id, data).status_code == 303


@pytest.mark.parametrize("body, message", [
    ("", "ご意見を入力してください。"),
    ("あ" * 4001, "このご意見は4001文字で、上限の4000文字を超えています。1文字減らすか"),
])
def test_empty_or_too_long_body_gets_a_message_by_the_field(client, make_period, count_rows, body, message):
    period_id = make_period()
    response = confirm(client, period_id, opinion(body))
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="entries-0-body-error"' in html and 'aria-describedby="entries-0-body-hint entries-0-body-error"' in html
    assert "入力内容の確認" not in html.split("<h1>")[1][:40]
    assert count_rows(Submission) == 0


def test_body_over_the_limit_is_refused_at_send_too(client, make_period, count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion())
    data["entries-0-body"] = "い" * 4001  # a tampered hidden field
    response = send(client, period_id, data)
    assert "上限の4000文字を超えています" in response.get_data(as_text=True)
    assert count_rows(Submission) == 0


def test_section_of_another_period_is_refused(app, client, make_period, count_rows):
    period_id = make_period()
    other_id = make_period()
    with app.app_context():
        foreign = db.session.get(CommentPeriod, other_id).sections[0].id
    response = confirm(client, period_id, opinion(section=str(foreign)))
    assert "この案の項目から選んでください。" in response.get_data(as_text=True)
    data = confirmed_data(client, period_id, opinion())
    data["entries-0-section"] = str(foreign)
    assert "この案の項目から選んでください。" in send(client, period_id, data).get_data(as_text=True)
    assert count_rows(Submission) == 0


@pytest.mark.parametrize("files, message", [
    ([(io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100), "意見書.pdf")],
     "意見書.pdf はPDF・JPEG・PNGのいずれでもありません"),
    ([(io.BytesIO(PDF), f"{n}.pdf") for n in range(4)], "添付できるファイルは3件までです。"),
    ([(io.BytesIO(PDF + b"0" * 2 * 1024 * 1024), "big.pdf")], "big.pdf は1MBを超えています。"),
])
def test_bad_attachments_keep_the_confirmation_page_and_store_nothing(app, client, make_period, count_rows,
                                                                      uploads_dir, files, message):
    period_id = make_period(max_attachment_bytes=1024 * 1024)
    data = confirmed_data(client, period_id, opinion("添付つきの意見"))
    response = send(client, period_id, data, files)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and "添付つきの意見" in html and 'id="attachments-error"' in html
    assert data["idempotency_key"] in html  # the same key: trying again still gives one submission
    assert count_rows(Submission) == 0 and count_rows(Attachment) == 0
    assert not (uploads_dir / "submissions").exists() or not any((uploads_dir / "submissions").iterdir())


def test_required_details_follow_the_period_rules(client, make_period, count_rows):
    period_id = make_period(field_rules={"name": "required", "address": "required", "attribute": "optional",
                                         "email": "required", "phone": "hidden"})
    response = confirm(client, period_id, opinion(name="", address=""))
    html = response.get_data(as_text=True)
    assert "氏名を入力してください。" in html and "住所を入力してください。" in html
    assert "メールアドレスを入力してください。" in html
    assert 'name="phone"' not in html
    assert count_rows(Submission) == 0


def test_consent_is_required(client, make_period):
    period_id = make_period()
    data = opinion()
    del data["consent"]
    assert "意見の公表方法について確認し" in confirm(client, period_id, data).get_data(as_text=True)


def test_honeypot_turns_away_a_bot_and_keeps_the_text(client, make_period, count_rows):
    period_id = make_period()
    response = confirm(client, period_id, opinion("ボットの書いた文", homepage="http://spam.example"))
    assert response.status_code == 400
    assert "空にしてもう一度お試しください" in response.get_data(as_text=True)
    data = confirmed_data(client, period_id, opinion())
    data["homepage"] = "http://spam.example"
    assert send(client, period_id, data).status_code == 400
    assert count_rows(Submission) == 0


def test_draft_period_is_not_found_and_takes_nothing(client, make_period, count_rows):
    period_id = make_period(status="draft")
    assert client.get(f"/periods/{period_id}").status_code == 404
    assert client.get(f"/periods/{period_id}/submit").status_code == 404
    assert confirm(client, period_id, opinion()).status_code == 404
    assert count_rows(Submission) == 0


def test_withdrawn_period_says_so_and_takes_nothing(app, client, make_period, count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion("取りやめ前に書いた意見"))
    with app.app_context():
        db.session.get(CommentPeriod, period_id).status = "withdrawn"
        db.session.commit()
    page = client.get(f"/periods/{period_id}")
    assert page.status_code == 410 and "取りやめとなりました" in page.get_data(as_text=True)
    response = send(client, period_id, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "取りやめとなりました" in html and "取りやめ前に書いた意見" in html
    assert count_rows(Submission) == 0


def test_upcoming_and_closed_periods_show_no_form(client, make_period, count_rows):
    upcoming = make_period(opens_at=utcnow() + timedelta(days=2), closes_at=utcnow() + timedelta(days=40))
    closed = make_period(opens_at=utcnow() - timedelta(days=40), closes_at=utcnow() - timedelta(days=1))
    assert "まだ始まっていません" in client.get(f"/periods/{upcoming}/submit").get_data(as_text=True)
    html = client.get(f"/periods/{closed}/submit").get_data(as_text=True)
    assert "終了しました" in html and "<textarea" not in html
    response = send(client, closed, confirmed_data(client, closed, opinion()))
    assert response.status_code == 409
    assert count_rows(Submission) == 0


def test_english_messages_too(client, make_period):
    period_id = make_period()
    client.get("/language", query_string={"lang": "en", "next": "/"})
    html = confirm(client, period_id, opinion("")).get_data(as_text=True)
    assert "Write your opinion." in html


def test_web_form_not_offered_when_the_period_takes_paper_only(client, make_period, count_rows):
    period_id = make_period(channels={"post": "下関市南部町1-1"})
    assert "ウェブフォームでは受け付けていません" in client.get(f"/periods/{period_id}/submit").get_data(as_text=True)
    response = send(client, period_id, confirmed_data(client, period_id, opinion()))
    assert response.status_code == 409 and "ウェブフォームでは受け付けていません" in response.get_data(as_text=True)
    assert count_rows(Submission) == 0


def test_submission_list_is_in_order_of_receipt(app, client, make_period):
    period_id = make_period()
    for _ in range(3):
        submit(client, period_id)
    with app.app_context():
        numbers = db.session.scalars(select(Submission.receipt_no).order_by(Submission.id)).all()
    assert numbers == [f"{period_id}-00001", f"{period_id}-00002", f"{period_id}-00003"]
