"""Sign-up without an account, the waitlist, cancellation with promotion, and capacity."""

import re
from datetime import timedelta

import pytest

from app.core.timeutil import utcnow
from app.extensions import db
from app.workshops import registrations
from app.workshops.models import Registration, Workshop
from app.workshops.services import WorkshopError
from tests.conftest import csrf_token
from tests.workshops.conftest import token_of


def form_for(client, workshop_id, **fields):
    html = client.get(f"/workshops/{workshop_id}/register").get_data(as_text=True)
    key = re.search(r'name="form_key" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="form_key" name="form_key" type="hidden" value="([^"]+)"', html)
    data = {"csrf_token": csrf_token(client, f"/workshops/{workshop_id}/register"),
            "form_key": key.group(1) if key else "k", "name": "下関 花子", "email": "hanako@example.jp",
            "phone": "", "attribute": "resident"}
    data.update(fields)
    return data


def status_of(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).status


def test_sign_up_confirms_a_seat_and_mails_the_private_link_after_commit(app, client, make_workshop, mailbox,
                                                                          run_jobs):
    workshop_id = make_workshop(capacity=5)
    response = client.post(f"/workshops/{workshop_id}/register",
                           data=form_for(client, workshop_id, wheelchair="y", accommodation_note="補助犬を同伴します"))
    assert response.status_code == 303
    private_path = response.headers["Location"]
    assert private_path.startswith("/workshops/registration/")
    run_jobs()
    with app.app_context():
        registration = db.session.scalars(db.select(Registration)).one()
        assert registration.status == "confirmed" and registration.name == "下関 花子"
        assert registration.accommodation.wheelchair and registration.accommodation.note == "補助犬を同伴します"
        assert registration.token_hash not in private_path  # only the hash is stored, never the link itself
        code = registration.checkin_code
    page = client.get(private_path).get_data(as_text=True)
    assert "参加確定" in page and code in page
    assert len(mailbox) == 1
    mail = mailbox[0]
    assert mail["To"] == "hanako@example.jp" and "お申込みが確定しました" in mail["Subject"]
    assert code in mail.get_content() and private_path in mail.get_content()


def test_full_workshop_puts_sign_ups_on_the_waitlist_in_order(app, make_workshop, sign_up):
    workshop_id = make_workshop(capacity=2)
    statuses = [sign_up(workshop_id)[1] for _ in range(4)]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]


def test_double_submitted_form_gives_one_registration(app, client, make_workshop):
    workshop_id = make_workshop()
    data = form_for(client, workshop_id)
    first = client.post(f"/workshops/{workshop_id}/register", data=data)
    second = client.post(f"/workshops/{workshop_id}/register", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1


def test_a_form_key_replayed_from_another_session_shows_nothing_of_the_first_person(app, client, make_workshop):
    workshop_id = make_workshop()
    # Two people at two addresses (sign-up allows 10 POSTs a minute per address, counted across tests).
    client.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    data = form_for(client, workshop_id, name="最初 の人", email="first@example.jp")
    private_path = client.post(f"/workshops/{workshop_id}/register", data=data).headers["Location"]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.2"
    replay = {**form_for(other, workshop_id, name="別の 人", email="other@example.jp"), "form_key": data["form_key"]}
    response = other.post(f"/workshops/{workshop_id}/register", data=replay)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Location" not in response.headers
    assert private_path not in html and "最初 の人" not in html and "first@example.jp" not in html
    assert data["form_key"] not in html and "申込みは完了していません" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1
    # The form comes back with a key of this browser's own: sending it signs this person up.
    fresh = re.search(r'name="form_key" type="hidden" value="([^"]+)"', html).group(1)
    again = other.post(f"/workshops/{workshop_id}/register", data={**replay, "form_key": fresh})
    assert again.status_code == 303 and again.headers["Location"] != private_path
    with app.app_context():
        names = set(db.session.scalars(db.select(Registration.name)))
    assert names == {"最初 の人", "別の 人"}


def test_phone_only_sign_up_gets_no_mail(make_workshop, sign_up, mailbox, run_jobs):
    sign_up(make_workshop(), phone="083-231-1111", email="")
    run_jobs()
    assert mailbox == []


@pytest.mark.parametrize(("overrides", "message"), [
    ({"signup_opens_at": utcnow() - timedelta(days=5), "signup_closes_at": utcnow() - timedelta(days=1)},
     "申込みの受付期間は終了しました。"),
    ({"signup_opens_at": utcnow() + timedelta(days=1), "signup_closes_at": utcnow() + timedelta(days=3)},
     "申込みの受付はまだ始まっていません。"),
])
def test_sign_up_outside_the_window_is_refused(app, client, make_workshop, snapshot, overrides, message):
    workshop_id = make_workshop(**overrides)
    before = snapshot(workshop_id)
    data = form_for(client, workshop_id)
    response = client.post(f"/workshops/{workshop_id}/register", data=data)
    assert message in response.get_data(as_text=True)
    assert snapshot(workshop_id) == before


def test_sign_up_for_a_past_workshop_is_refused(app, make_workshop, sign_up, snapshot):
    workshop_id = make_workshop()
    with app.app_context():
        starts = db.session.get(Workshop, workshop_id).starts_at
    before = snapshot(workshop_id)
    with pytest.raises(WorkshopError) as refused:
        sign_up(workshop_id, now=starts + timedelta(minutes=1))
    assert refused.value.code == "signup_past"
    assert snapshot(workshop_id) == before


def test_sign_up_for_a_cancelled_workshop_is_refused_with_a_message(app, client, make_workshop, login_as, snapshot):
    workshop_id = make_workshop()
    staff, _ = login_as("staff")
    staff.post(f"/staff/workshops/{workshop_id}/cancel",
               data={"reason": "台風接近のため", "csrf_token": csrf_token(staff, f"/staff/workshops/{workshop_id}")})
    staff.post("/logout", data={"csrf_token": csrf_token(staff, "/")})
    before = snapshot(workshop_id)
    assert before[1] == "cancelled"
    page = client.get(f"/workshops/{workshop_id}/register").get_data(as_text=True)
    assert "中止となったため" in page
    response = client.post(f"/workshops/{workshop_id}/register",
                           data={"csrf_token": csrf_token(client, "/"), "name": "x", "email": "x@example.jp",
                                 "attribute": "resident"})
    assert "中止となったため" in response.get_data(as_text=True)
    assert snapshot(workshop_id) == before


def test_party_larger_than_allowed_is_refused_next_to_the_field(app, client, make_workshop, snapshot):
    workshop_id = make_workshop(max_party_size=3)
    before = snapshot(workshop_id)
    response = client.post(f"/workshops/{workshop_id}/register", data=form_for(client, workshop_id, party_size="4"))
    html = response.get_data(as_text=True)
    assert 'id="party_size-error"' in html and "3人まで申し込めます" in html
    assert snapshot(workshop_id) == before
    with app.app_context(), pytest.raises(WorkshopError, match="party_too_large"):
        registrations.register_participant(workshop_id, {"name": "a", "phone": "0832311111", "attribute": "resident",
                                                         "party_size": 4})


def test_missing_contact_is_refused(app, client, make_workshop, snapshot):
    workshop_id = make_workshop(contact_mode="email")
    before = snapshot(workshop_id)
    html = client.post(f"/workshops/{workshop_id}/register",
                       data=form_for(client, workshop_id, email="", phone="083-231-1111")).get_data(as_text=True)
    assert 'id="email-error"' in html and "メールアドレスを入力してください。" in html
    assert snapshot(workshop_id) == before


def test_cancellation_promotes_the_first_waitlisted_who_fits_and_tells_them(app, client, make_workshop, sign_up,
                                                                             mailbox, run_jobs):
    workshop_id = make_workshop(capacity=3, max_party_size=3)
    first, _ = sign_up(workshop_id, party_size=1)
    sign_up(workshop_id, party_size=2)
    big, big_status = sign_up(workshop_id, party_size=3, email="big@example.jp")
    small, small_status = sign_up(workshop_id, party_size=1, email="small@example.jp")
    assert (big_status, small_status) == ("waitlisted", "waitlisted")
    run_jobs()
    mailbox.clear()
    token = token_of(app, first)
    response = client.post(f"/workshops/registration/{token}/cancel",
                           data={"csrf_token": csrf_token(client, f"/workshops/registration/{token}")})
    assert response.status_code == 303
    run_jobs()
    assert status_of(app, first) == "cancelled"
    assert status_of(app, big) == "waitlisted"  # three people do not fit in one free seat
    assert status_of(app, small) == "confirmed"
    assert [mail["To"] for mail in mailbox] == ["small@example.jp"]
    assert "キャンセル待ちから参加が確定しました" in mailbox[0]["Subject"]


def test_cancel_link_with_a_wrong_token_changes_nothing(app, client, make_workshop, sign_up, snapshot):
    workshop_id = make_workshop()
    sign_up(workshop_id)
    before = snapshot(workshop_id)
    assert client.get("/workshops/registration/not-the-token").status_code == 404
    response = client.post("/workshops/registration/not-the-token/cancel",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 404
    assert snapshot(workshop_id) == before


def test_cancelling_twice_says_so_and_changes_nothing(app, client, make_workshop, sign_up, snapshot):
    workshop_id = make_workshop()
    registration_id, _ = sign_up(workshop_id)
    token = token_of(app, registration_id)
    csrf = csrf_token(client, f"/workshops/registration/{token}")
    client.post(f"/workshops/registration/{token}/cancel", data={"csrf_token": csrf})
    before = snapshot(workshop_id)
    response = client.post(f"/workshops/registration/{token}/cancel", data={"csrf_token": csrf},
                           follow_redirects=True)
    assert "すでにキャンセルされています。" in response.get_data(as_text=True)
    assert snapshot(workshop_id) == before


def test_private_page_is_not_cached_or_indexed(app, client, make_workshop, sign_up):
    registration_id, _ = sign_up(make_workshop())
    response = client.get(f"/workshops/registration/{token_of(app, registration_id)}")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"  # no path to other sites
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_raising_capacity_promotes_from_the_waitlist(app, make_workshop, sign_up, login_as):
    workshop_id = make_workshop(capacity=1)
    sign_up(workshop_id)
    waiting, _ = sign_up(workshop_id)
    staff, _ = login_as("staff")
    response = staff.post(f"/staff/workshops/{workshop_id}/capacity",
                          data={"capacity": "2", "csrf_token": csrf_token(staff, f"/staff/workshops/{workshop_id}")})
    assert response.status_code == 303
    assert status_of(app, waiting) == "confirmed"
    with app.app_context():
        assert db.session.get(Workshop, workshop_id).capacity == 2


def test_capacity_below_confirmed_seats_is_refused(app, make_workshop, sign_up, login_as, snapshot):
    workshop_id = make_workshop(capacity=3)
    sign_up(workshop_id)
    sign_up(workshop_id)
    before = snapshot(workshop_id)
    staff, _ = login_as("staff")
    response = staff.post(f"/staff/workshops/{workshop_id}/capacity",
                          data={"capacity": "1", "csrf_token": csrf_token(staff, f"/staff/workshops/{workshop_id}")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="capacity-error"' in html and "すでに確定している人数より少なくできません" in html
    assert snapshot(workshop_id) == before


def test_public_pages_never_show_participants(app, client, make_workshop, sign_up):
    workshop_id = make_workshop()
    sign_up(workshop_id, name="秘密 太郎", email="secret@example.jp", phone="090-9999-0000")
    for path in ("/", "/workshops", f"/workshops/{workshop_id}", f"/workshops/{workshop_id}/workshop.ics"):
        body = client.get(path).get_data(as_text=True)
        assert "秘密" not in body and "secret@example.jp" not in body and "090-9999-0000" not in body


def test_calendar_file_describes_the_workshop(app, client, make_workshop):
    workshop_id = make_workshop(title="カレンダー確認用ワークショップ")
    response = client.get(f"/workshops/{workshop_id}/workshop.ics")
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:カレンダー確認用ワークショップ" in unfolded
    assert f"UID:workshop-{workshop_id}@" in unfolded and "DTSTART;TZID=Asia/Tokyo:" in unfolded
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_draft_workshop_is_hidden_from_the_public(client, make_workshop):
    workshop_id = make_workshop(publish=False)
    assert client.get(f"/workshops/{workshop_id}").status_code == 404
    assert client.get(f"/workshops/{workshop_id}/register").status_code == 404
