"""Seats for the public at a council meeting (傍聴): a fixed number, a receipt, a clear "full",
the list for the meeting's staff only, and nothing of it on public pages."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.timeutil import utcnow
from app.council import seats
from app.council.models import SeatRequest
from app.council.services import CouncilError
from app.extensions import db
from tests.conftest import csrf_token


def _ask(client, meeting_id, name, contact="083-000-0000"):
    token = csrf_token(client, f"/council/meetings/{meeting_id}/seats")
    html = client.get(f"/council/meetings/{meeting_id}/seats").get_data(as_text=True)
    form_key = html.split('name="form_key" type="hidden" value="')[1].split('"')[0] if 'name="form_key"' in html else ""
    return client.post(f"/council/meetings/{meeting_id}/seats",
                       data={"name": name, "contact": contact, "form_key": form_key, "csrf_token": token})


def test_a_seat_gives_a_receipt_and_the_last_seat_then_says_full(app, client, make_meeting):
    meeting_id = make_meeting(seat_capacity=1)
    response = _ask(client, meeting_id, "傍聴 太郎")
    assert response.status_code == 303 and response.headers["Location"].endswith("/seats/receipt")
    receipt = client.get(f"/council/meetings/{meeting_id}/seats/receipt")
    assert "受付番号" in receipt.get_data(as_text=True) and receipt.headers["Cache-Control"] == "no-store"
    other = app.test_client()
    page = other.get(f"/council/meetings/{meeting_id}/seats").get_data(as_text=True)
    assert "満席" in page and 'name="contact"' not in page
    with app.app_context():
        with pytest.raises(CouncilError) as refused:
            seats.request_seat(meeting_id, {"name": "遅れた人", "contact": "083-111-1111"})
        assert refused.value.code == "seats_full" and "満席" in refused.value.message
        db.session.rollback()
        assert db.session.scalar(select(func.count(SeatRequest.id))) == 1


def test_the_same_form_sent_twice_keeps_one_seat(app, make_meeting):
    meeting_id = make_meeting(seat_capacity=3)
    with app.app_context():
        first, created = seats.request_seat(meeting_id, {"name": "二度押し", "contact": "x@example.jp",
                                                         "form_key": "k1"})
        again, created_again = seats.request_seat(meeting_id, {"name": "二度押し", "contact": "x@example.jp",
                                                               "form_key": "k1"})
        assert created and not created_again and again.id == first.id


def test_missing_contact_is_refused_next_to_the_field(client, make_meeting):
    meeting_id = make_meeting()
    response = _ask(client, meeting_id, "連絡先なし", contact="")
    assert response.status_code == 200
    assert "連絡のつく電話番号またはメールアドレスを入力してください。" in response.get_data(as_text=True)


def test_no_seats_once_sign_up_closed_or_none_offered(app, make_meeting):
    closed = make_meeting(signup_closes_at=utcnow() - timedelta(hours=1))
    none = make_meeting(seat_capacity=0)
    with app.app_context():
        for meeting_id, code in ((closed, "seats_closed"), (none, "seats_none")):
            with pytest.raises(CouncilError) as refused:
                seats.request_seat(meeting_id, {"name": "誰か", "contact": "083"})
            assert refused.value.code == code


def test_staff_see_the_seat_list_and_the_public_page_never_does(app, client, make_meeting, login_as):
    meeting_id = make_meeting()
    _ask(client, meeting_id, "傍聴 秘匿", contact="hitoku@example.jp")
    public = app.test_client().get(f"/council/meetings/{meeting_id}").get_data(as_text=True)
    assert "傍聴 秘匿" not in public and "hitoku@example.jp" not in public and "残り4席" in public
    staff, _ = login_as("staff")
    listing = staff.get(f"/staff/council/meetings/{meeting_id}").get_data(as_text=True)
    assert "傍聴 秘匿" in listing and "hitoku@example.jp" in listing


def test_purge_blanks_names_and_contacts_of_meetings_held(app, make_meeting):
    meeting_id = make_meeting()
    with app.app_context():
        seats.request_seat(meeting_id, {"name": "消える人", "contact": "083-222-2222"})
        name, cleared = seats.purge_personal_data(utcnow() + timedelta(days=60))
        seat = db.session.scalar(select(SeatRequest))
        assert (name, cleared) == ("council seat requests", 1) and (seat.name, seat.contact) == ("", "")
        assert seat.receipt_no


@pytest.mark.services
def test_two_people_asking_for_the_last_seat_at_once_get_one_seat(app, committing_db):
    from app.accounts.services import create_user
    from app.council import services
    from app.plans.services import create_plan, publish_plan
    from tests.factories import meeting_data

    with app.app_context():
        staff = create_user("seat-race@example.jp", "correct horse battery", ["staff"], department="まちづくり政策課")
        plan = create_plan({"title": "傍聴競合計画", "department": "まちづくり政策課"}, actor=staff)
        publish_plan(plan, actor=staff)
        meeting = services.create_meeting(plan, meeting_data(seat_capacity=1), actor=staff)
        services.publish_meeting(meeting, actor=staff)
        db.session.commit()
        meeting_id = meeting.id
    start, outcomes = threading.Barrier(2), []

    def ask(number: int) -> None:
        with app.app_context():
            start.wait(timeout=10)
            try:
                seats.request_seat(meeting_id, {"name": f"同時{number}", "contact": f"083-000-{number}"})
                db.session.commit()
                outcomes.append("seat")
            except CouncilError as error:
                db.session.rollback()
                outcomes.append(error.code)

    threads = [threading.Thread(target=ask, args=(number,)) for number in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["seat", "seats_full"]
    with app.app_context():
        assert db.session.scalar(select(func.count(SeatRequest.id)).where(SeatRequest.meeting_id == meeting_id)) == 1
