"""The citizen's web submission: form, confirmation step, one receipt, email after commit."""

import re

from sqlalchemy import select

from app.core.models import OutboxJob
from app.extensions import db
from app.submissions.models import Submission, SubmissionEntry
from tests.submissions.conftest import confirm, confirmed_data, opinion, send, submit


def test_confirmation_step_shows_the_values_read_only_and_sends_nothing(client, make_period, count_rows):
    period_id = make_period()
    response = confirm(client, period_id, opinion("夜間の会議にオンラインで参加できるようにしてください。",
                                                  email="hanako@example.jp"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "入力内容の確認" in html and "まだ送信していません" in html
    assert "夜間の会議にオンラインで参加できるようにしてください。" in html
    assert '<textarea' not in html  # read-only: the values travel in hidden fields
    assert 'name="idempotency_key"' in html
    assert count_rows(Submission) == 0


def test_web_submission_gets_a_receipt_number_and_lookup_link_after_commit(app, client, make_period, mailbox,
                                                                            run_jobs):
    period_id = make_period()
    response = submit(client, period_id, opinion(email="hanako@example.jp"))
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/receipt?receipt=")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert f"{period_id}-00001" in html and "ご意見を受け付けました" in html
    secret = re.search(r"<code>([A-Z2-7-]{19})</code>", html).group(1)
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert submission.receipt_no == f"{period_id}-00001"
        assert submission.channel == "web" and submission.name == "下関 花子"
        assert [entry.body for entry in submission.entries] == ["市民活動センターの開館時間を夜9時まで延ばしてください。"]
        assert secret.replace("-", "") not in submission.lookup_token_hash  # only the hash is stored
    run_jobs()
    assert len(mailbox) == 1
    mail = mailbox[0]
    assert mail["To"] == "hanako@example.jp"
    assert f"{period_id}-00001" in mail["Subject"]
    assert secret in mail.get_content()


def test_a_reload_or_double_click_of_send_gives_one_submission_and_the_same_receipt(client, make_period, count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion())
    first = send(client, period_id, data)
    second = send(client, period_id, data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(Submission) == 1


def test_several_opinions_each_pointing_at_a_section(app, client, make_period):
    period_id = make_period()
    with app.app_context():
        from app.periods.models import CommentPeriod

        sections = [s.id for s in db.session.get(CommentPeriod, period_id).sections]
    data = opinion("背景についての意見です。", section=str(sections[0]))
    data.update({"entries-1-section": "", "entries-1-body": "全体についての意見です。",
                 "entries-2-section": "", "entries-2-body": ""})
    assert submit(client, period_id, data).status_code == 303
    with app.app_context():
        entries = db.session.scalars(select(SubmissionEntry).order_by(SubmissionEntry.position)).all()
        assert [(e.section_id, e.body) for e in entries] == [(sections[0], "背景についての意見です。"),
                                                             (None, "全体についての意見です。")]


def test_add_another_opinion_works_without_javascript(client, make_period):
    period_id = make_period()
    response = confirm(client, period_id, {**opinion(), "add_entry": "y"})
    html = response.get_data(as_text=True)
    assert 'id="entries-1-body"' in html and "市民活動センターの開館時間" in html


def test_change_entries_returns_to_the_form_with_everything_kept(client, make_period):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion("戻って直したい意見"))
    response = client.post(f"/periods/{period_id}/submit", data=data)
    html = response.get_data(as_text=True)
    assert "<textarea" in html and "戻って直したい意見" in html and "下関 花子" in html


def test_going_back_to_edit_names_the_chosen_files_that_were_not_kept(client, make_period, count_rows):
    import io

    from tests.periods.conftest import PDF

    period_id = make_period()
    data = confirmed_data(client, period_id, opinion("添付して戻る意見"))
    response = client.post(f"/periods/{period_id}/submit", data={**data, "attachments": [(io.BytesIO(PDF), "図面.pdf")]},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "選んだファイル（図面.pdf）は保持されていません" in html
    assert "添付して戻る意見" in html
    assert count_rows(Submission) == 0
    plain = client.post(f"/periods/{period_id}/submit", data=data).get_data(as_text=True)
    assert "保持されていません" not in plain


def test_attachments_are_checked_by_content_and_stored_outside_the_web_root(app, client, make_period, uploads_dir):
    import io

    from tests.periods.conftest import PDF

    period_id = make_period()
    response = submit(client, period_id, files=[(io.BytesIO(PDF), "資料.pdf")])
    assert response.status_code == 303
    with app.app_context():
        attachment = db.session.scalars(select(Submission)).one().attachments[0]
        assert attachment.filename == "資料.pdf" and attachment.content_type == "application/pdf"
        assert re.fullmatch(r"[0-9a-f]{32}\.pdf", attachment.stored_name)
        assert (uploads_dir / "submissions" / attachment.stored_name).read_bytes() == PDF


def test_a_send_refused_under_the_lock_leaves_no_file_behind(client, make_period, uploads_dir, count_rows,
                                                               monkeypatch):
    """The files are written before the period is locked; if the time is judged closed there (the
    period closed while the rows went in), they go again with the rows. The period closes right after
    the quick look before the files: the look under the lock (in Python on SQLite, in the send's one
    statement on PostgreSQL, then explained by the same function) refuses it."""
    import io
    from datetime import timedelta

    from sqlalchemy import update

    from app.core.timeutil import utcnow
    from app.periods.models import CommentPeriod
    from app.submissions import services
    from tests.periods.conftest import PDF

    period_id = make_period()
    data = confirmed_data(client, period_id, opinion())
    checks = []
    check_web_open = services.check_web_open

    def closes_in_between(period, now):
        checks.append(now)
        check_web_open(period, now)
        if len(checks) == 1:
            db.session.execute(update(CommentPeriod).where(CommentPeriod.id == period_id)
                               .values(closes_at=utcnow() - timedelta(minutes=1)))

    monkeypatch.setattr(services, "check_web_open", closes_in_between)
    response = send(client, period_id, data, files=[(io.BytesIO(PDF), "資料.pdf")])
    assert response.status_code == 409 and len(checks) == 2
    assert "締め切ったため" in response.get_data(as_text=True)
    assert count_rows(Submission) == 0
    assert list((uploads_dir / "submissions").glob("*")) == []


def test_receipt_email_waits_in_the_outbox_while_redis_is_down_and_goes_out_after(app, client, make_period,
                                                                                  mailbox, run_jobs):
    from datetime import timedelta

    from app.core.jobs import drain_outbox
    from tests.core.test_jobs import redis_url

    period_id = make_period()
    with redis_url(app, "redis://127.0.0.1:1/0"):
        response = submit(client, period_id, opinion(email="hanako@example.jp"))
        assert response.status_code == 303  # the citizen gets the receipt anyway
    assert mailbox == []
    with app.app_context():
        assert db.session.scalars(select(OutboxJob.state)).all() == ["pending"]
        drain_outbox(timedelta(0))
    run_jobs()
    assert len(mailbox) == 1 and mailbox[0]["To"] == "hanako@example.jp"


def test_live_count_has_its_script_and_server_side_count(client, make_period):
    period_id = make_period()
    html = client.get(f"/periods/{period_id}/submit").get_data(as_text=True)
    assert "/static/js/submissions.js" in html and 'data-maxlength="4000"' in html
    assert "<script>" not in html  # no inline script under the CSP


def test_bidi_controls_are_stripped_from_what_a_citizen_sends_and_the_rest_kept(app, client, make_period):
    period_id = make_period()
    body = "図書館の\u202e開館時間\u202cを延ばして\u2066ください\u2069。\u200f\u200e\u061c\u202a\u202b\u202d\u2067\u2068"
    data = opinion(body, name="下関\u202e 花子", address="下関市\u202e南部町1-1")
    assert submit(client, period_id, data).status_code == 303
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert (submission.name, submission.address) == ("下関 花子", "下関市南部町1-1")
        assert submission.entries[0].body == "図書館の開館時間を延ばしてください。"


def test_an_opinion_of_nothing_but_bidi_controls_is_refused_as_empty(client, make_period, count_rows):
    period_id = make_period()
    response = confirm(client, period_id, opinion("\u202e\u2066\u2069"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "submit/send" not in html and "ご意見を入力してください。" in html
    assert count_rows(Submission) == 0


def test_receipt_shows_the_lookup_code_as_large_as_the_receipt_number(client, make_period):
    from tests.submissions.conftest import receipt_of

    number, code, html = receipt_of(client, submit(client, make_period()))
    box = re.search(r'<dl class="receipt-box">(.*?)</dl>', html, re.S).group(1)
    assert number in box and f'<dd class="receipt-code"><code>{code}</code></dd>' in box
    assert "照会コード" in box


def test_required_marker_sits_inside_the_label_so_the_box_stays_in_line(client, make_period):
    html = client.get(f"/periods/{make_period()}/submit").get_data(as_text=True)
    labels = re.findall(r'<label for="(\w+)">([^<]*)<span class="required">', html)
    assert labels, "no required field is marked inside its label"
    assert not re.search(r'</label> <span class="required">', html)
