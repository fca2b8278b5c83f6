"""Following a plan without an account: double opt-in, clear refusals, one-click unsubscribe."""

from datetime import timedelta

import itsdangerous.timed
from sqlalchemy import select

from app.extensions import db
from app.follow import tasks
from app.follow.models import Follower
from tests.conftest import csrf_token
from tests.follow.conftest import links_in, path_of


def subscribe(client, plan_id, email="fan@example.jp"):
    token = csrf_token(client, f"/plans/{plan_id}/follow")
    return client.post(f"/plans/{plan_id}/follow", data={"email": email, "csrf_token": token})


def followers(app):
    with app.app_context():
        return [(row.email, row.confirmed_at is not None) for row in db.session.scalars(select(Follower))]


def test_plan_page_links_to_the_form_and_the_calendars_and_sets_no_cookie(client, make_plan):
    """The form is a click away: a plan page with it carried a CSRF token, so every reader of the plan page
    was given a session cookie, and the page could not be answered whole from the page cache."""
    plan_id = make_plan()
    page = client.get(f"/plans/{plan_id}")
    html = page.get_data(as_text=True)
    assert f'href="/plans/{plan_id}/follow"' in html and 'type="email"' not in html and "csrf_token" not in html
    assert f"/plans/{plan_id}/calendar.ics" in html and 'href="/calendar.ics"' in html
    assert "Set-Cookie" not in page.headers
    form = client.get(f"/plans/{plan_id}/follow").get_data(as_text=True)
    assert 'type="email"' in form and 'name="csrf_token"' in form


def test_subscribing_sends_only_the_confirm_mail_until_confirmed(app, client, make_plan, make_workshop, mailbox,
                                                                 run_jobs):
    plan_id = make_plan()
    response = subscribe(client, plan_id)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/plans/{plan_id}/follow/sent")
    run_jobs()
    assert followers(app) == [("fan@example.jp", False)]
    assert len(mailbox) == 1 and mailbox[0]["To"] == "fan@example.jp"
    assert "確認のお願い" in mailbox[0]["Subject"]
    assert mailbox[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(mailbox[0]["List-Unsubscribe"]).strip()  # folded onto its own line when long
    assert header.startswith("<http") and header.endswith(">") and "/follow/unsubscribe/" in header
    # News on the plan reaches nobody who has not confirmed.
    make_workshop(plan_id=plan_id)
    with app.app_context():
        assert tasks.queue_digests() == 0
    run_jobs()
    assert len(mailbox) == 1


def test_the_confirm_link_asks_then_subscribes(app, client, make_plan, mailbox, run_jobs):
    plan_id = make_plan(title="確認テスト計画")
    subscribe(client, plan_id)
    run_jobs()
    confirm = next(path_of(url) for url in links_in(mailbox[0]) if "/follow/confirm/" in url)
    page = client.get(confirm)
    assert page.status_code == 200 and "確認テスト計画" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert followers(app) == [("fan@example.jp", False)]  # opening the link (a mail scanner) changes nothing
    done = client.post(confirm, data={"csrf_token": csrf_token(client, confirm)})
    assert done.status_code == 200 and "お知らせの受け取りが始まりました" in done.get_data(as_text=True)
    assert followers(app) == [("fan@example.jp", True)]


def test_asking_again_resends_the_confirm_mail_but_never_to_a_confirmed_address(app, client, make_plan,
                                                                                 make_follower, mailbox, run_jobs):
    plan_id = make_plan()
    subscribe(client, plan_id, "again@example.jp")
    subscribe(client, plan_id, "again@example.jp")
    make_follower(plan_id, "done@example.jp")
    assert subscribe(client, plan_id, "done@example.jp").status_code == 303  # says the same as for anyone
    run_jobs()
    assert [mail["To"] for mail in mailbox] == ["again@example.jp", "again@example.jp"]
    assert sorted(followers(app)) == [("again@example.jp", False), ("done@example.jp", True)]


def test_a_bad_email_is_refused_with_a_message_and_nothing_kept(app, client, make_plan, mailbox, run_jobs):
    plan_id = make_plan()
    response = subscribe(client, plan_id, "not-an-address")
    assert response.status_code == 422
    assert "正しいメールアドレスを入力してください" in response.get_data(as_text=True)
    run_jobs()
    assert followers(app) == [] and mailbox == []


def test_unpublished_plan_cannot_be_followed(client, make_plan):
    plan_id = make_plan(published=False)
    assert client.get(f"/plans/{plan_id}/follow").status_code == 404
    assert subscribe(client, plan_id).status_code in (400, 404)


def test_broken_and_expired_confirm_links_say_so_and_change_nothing(app, client, make_plan, mailbox, run_jobs,
                                                                      monkeypatch):
    plan_id = make_plan()
    subscribe(client, plan_id)
    run_jobs()
    confirm = next(path_of(url) for url in links_in(mailbox[0]) if "/follow/confirm/" in url)
    broken = client.get(confirm[:-3] + "xyz")
    assert broken.status_code == 400 and "このリンクは正しくありません" in broken.get_data(as_text=True)
    token = csrf_token(client, f"/plans/{plan_id}/follow")
    assert client.post(confirm[:-3] + "xyz", data={"csrf_token": token}).status_code == 400
    eight_days = 8 * 24 * 3600
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + eight_days)
    expired = client.post(confirm, data={"csrf_token": token})
    assert expired.status_code == 410 and "有効期限が切れています" in expired.get_data(as_text=True)
    assert followers(app) == [("fan@example.jp", False)]


def test_unconfirmed_addresses_are_deleted_after_seven_days(app, make_plan, make_follower):
    plan_id = make_plan()
    old = make_follower(plan_id, "old@example.jp", confirmed=False, confirmed_ago=timedelta(days=8))
    make_follower(plan_id, "new@example.jp", confirmed=False, confirmed_ago=timedelta(days=1))
    make_follower(plan_id, "kept@example.jp", confirmed_ago=timedelta(days=30))
    with app.app_context():
        assert tasks.purge_unconfirmed_followers() == 1
        assert db.session.get(Follower, old) is None
        db.session.commit()
    assert sorted(followers(app)) == [("kept@example.jp", True), ("new@example.jp", False)]


def test_one_click_unsubscribe_needs_only_the_signed_token(app, client, make_plan, make_follower):
    plan_id = make_plan(title="退会テスト計画")
    follower_id = make_follower(plan_id)
    with app.test_request_context():
        from app.follow.services import unsubscribe_token

        token = unsubscribe_token([follower_id])
    page = client.get(f"/follow/unsubscribe/{token}")
    assert page.status_code == 200 and "退会テスト計画" in page.get_data(as_text=True)
    assert followers(app) == [("fan@example.jp", True)]
    # RFC 8058: the mail client posts this body, with no session, cookie or CSRF token.
    done = app.test_client().post(f"/follow/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and followers(app) == []
    again = client.post(f"/follow/unsubscribe/{token}")
    assert again.status_code == 410 and "このお申し込みはもうありません" in again.get_data(as_text=True)
    forged = client.post(f"/follow/unsubscribe/{token[:-2]}xx")
    assert forged.status_code == 400

