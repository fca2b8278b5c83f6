"""Staff make a plan's meetings (agenda, minutes as text or PDF) and its members; members are public
on the plan's page with no contact data anywhere; a workshop carries its kind."""

import io
from datetime import date

from sqlalchemy import inspect, select

from app.council.models import CouncilMeeting, CouncilMember
from app.extensions import db
from app.workshops.models import Workshop
from tests.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_members_table_has_no_place_for_contact_data():
    columns = {column.key for column in inspect(CouncilMember).columns}
    assert columns == {"id", "plan_id", "name", "category", "affiliation", "role", "term_from", "term_to", "position",
                       "created_at"}


def test_staff_add_a_member_shown_on_the_plan_page_and_in_the_api(app, client, login_as, make_plan):
    plan_id = make_plan()
    staff, _ = login_as("staff")
    path = f"/staff/plans/{plan_id}/council/members/new"
    response = staff.post(path, data={"name": "委員A", "category": "public", "affiliation": "", "role": "",
                                      "term_from": "2025-04-01", "term_to": "2027-03-31", "position": "1",
                                      "csrf_token": csrf_token(staff, path)})
    assert response.status_code == 303
    page = app.test_client().get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "審議会委員" in page and "委員A" in page and "公募委員" in page and "令和7年4月1日" in page
    member = app.test_client().get(f"/api/v1/plans/{plan_id}").get_json()["council_members"][0]
    assert set(member) == {"name", "category", "category_label", "role", "affiliation", "term_from", "term_to"}
    assert member["term_to"] == "2027-03-31"


def test_a_member_whose_term_ends_before_it_begins_is_refused(client, login_as, make_plan):
    plan_id = make_plan()
    staff, _ = login_as("staff")
    path = f"/staff/plans/{plan_id}/council/members/new"
    response = staff.post(path, data={"name": "委員B", "category": "academic", "role": "chair",
                                      "term_from": "2027-04-01", "term_to": "2025-03-31",
                                      "csrf_token": csrf_token(staff, path)})
    assert response.status_code == 422 and "任期の終わりは始まりより後にしてください。" in response.get_data(as_text=True)


def test_staff_create_publish_and_add_minutes_as_a_pdf(app, client, login_as, make_plan):
    plan_id = make_plan()
    staff, _ = login_as("staff")
    path = f"/staff/plans/{plan_id}/council/meetings/new"
    form = {"council_name": "下関市市民協働参画審議会", "number": "1", "day": "2030-06-01", "start_time": "14:00",
            "end_time": "16:00", "place": "本庁舎", "agenda": "- 素案について", "seat_capacity": "10",
            "csrf_token": csrf_token(staff, path)}
    created = staff.post(path, data=form)
    assert created.status_code == 303
    with app.app_context():
        meeting_id = db.session.scalar(select(CouncilMeeting.id))
    assert app.test_client().get(f"/council/meetings/{meeting_id}").status_code == 404  # not yet public
    token = csrf_token(staff, f"/staff/council/meetings/{meeting_id}")
    assert staff.post(f"/staff/council/meetings/{meeting_id}/publish", data={"csrf_token": token}).status_code == 303
    again = staff.post(path, data=form)
    assert again.status_code == 422 and "同じ回の会議がすでにあります" in again.get_data(as_text=True)
    edit = f"/staff/council/meetings/{meeting_id}/edit"
    saved = staff.post(edit, data={**form, "minutes_text": "素案を了承しました。", "csrf_token": csrf_token(staff, edit),
                                   "minutes_file": (io.BytesIO(PDF), "議事録.pdf")},
                       content_type="multipart/form-data")
    assert saved.status_code == 303
    public = app.test_client()
    page = public.get(f"/council/meetings/{meeting_id}").get_data(as_text=True)
    assert "第1回 下関市市民協働参画審議会" in page and "素案を了承しました。" in page and "会議録（PDF" in page
    pdf = public.get(f"/council/meetings/{meeting_id}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.data == PDF and "attachment" in pdf.headers["Content-Disposition"]


def test_minutes_that_are_not_a_pdf_are_refused(app, client, login_as, make_meeting):
    meeting_id = make_meeting()
    staff, _ = login_as("staff")
    edit = f"/staff/council/meetings/{meeting_id}/edit"
    with app.app_context():
        meeting = db.session.get(CouncilMeeting, meeting_id)
        from app.council.forms import MeetingForm

        initial = MeetingForm.initial(meeting)
    form = {"council_name": initial["council_name"], "number": str(initial["number"]), "day": str(initial["day"]),
            "start_time": initial["start_time"].strftime("%H:%M"), "end_time": initial["end_time"].strftime("%H:%M"),
            "place": initial["place"], "seat_capacity": "5", "csrf_token": csrf_token(staff, edit),
            "minutes_file": (io.BytesIO(b"<html>not a pdf</html>"), "minutes.pdf")}
    response = staff.post(edit, data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and "PDFファイルではありません" in response.get_data(as_text=True)


def test_staff_choose_a_workshop_kind_and_the_timeline_names_it(app, client, login_as, make_plan):
    plan_id = make_plan()
    staff, _ = login_as("staff")
    path = f"/staff/plans/{plan_id}/workshops/new"
    form = {"title": "策定説明会", "kind": "briefing", "day": "2030-05-10", "start_time": "10:00", "end_time": "11:30",
            "venue_name": "市民センター", "capacity": "50", "max_party_size": "1", "contact_mode": "email_or_phone",
            "signup_opens_at": "2030-04-01T09:00", "signup_closes_at": "2030-05-08T17:00", "note_kinds": "その他",
            "csrf_token": csrf_token(staff, path)}
    response = staff.post(path, data=form)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Workshop.kind).where(Workshop.title == "策定説明会")) == "briefing"
    bad = staff.post(path, data={**form, "title": "別の説明会", "kind": "party"})
    assert "一覧から選択してください。" in bad.get_data(as_text=True) and bad.status_code == 200


def test_members_are_listed_by_category_in_the_order_of_the_chart(app, make_plan, make_user):
    from app.council import services
    from app.plans.models import Plan
    from tests.factories import user

    plan_id = make_plan()
    with app.app_context():
        staff = user(make_user("staff", department="まちづくり政策課"))
        plan = db.session.get(Plan, plan_id)
        for name, category in (("委員E", "public"), ("委員A", "academic"), ("委員H", "city_staff")):
            services.create_member(plan, {"name": name, "category": category, "term_from": date(2025, 4, 1),
                                          "term_to": date(2027, 3, 31)}, actor=staff)
        assert [member.name for member in services.members_of(plan)] == ["委員A", "委員E", "委員H"]
