"""Staff create and run workshops of their plans; the published report shows no names."""

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.workshops import facilitation
from app.workshops.models import Registration, Workshop, WorkshopGroup
from app.workshops.services import WorkshopError
from tests.conftest import csrf_token


def workshop_form(csrf, **overrides):
    data = {"csrf_token": csrf, "title": "地域づくりワークショップ", "theme": "5年後のまち", "content": "**話し合い**",
            "day": "2030-05-18", "start_time": "13:30", "end_time": "16:30", "venue_name": "下関市民センター",
            "capacity": "24", "max_party_size": "2", "contact_mode": "email_or_phone",
            "signup_opens_at": "2030-04-01T09:00", "signup_closes_at": "2030-05-15T17:00",
            "note_kinds": "現状・課題\nアイデア\n提案\nその他"}
    data.update(overrides)
    return data


def workshop_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Workshop))


def test_staff_create_a_workshop_with_facilitators(app, login_as, make_plan, make_user):
    plan_id = make_plan()
    facilitator_id = make_user("facilitator", name="進行 役")
    staff, _ = login_as("staff")
    path = f"/staff/plans/{plan_id}/workshops/new"
    response = staff.post(path, data=workshop_form(csrf_token(staff, path), facilitators=str(facilitator_id)))
    assert response.status_code == 303
    with app.app_context():
        workshop = db.session.scalars(select(Workshop)).one()
        assert workshop.status == "draft" and workshop.capacity == 24
        assert [user.id for user in workshop.facilitators] == [facilitator_id]
        assert workshop.start_time_label == "13:30" and workshop.starts_at.hour == 4  # 13:30 in Japan is 04:30 UTC


def test_workshop_with_times_out_of_order_is_refused_next_to_the_field(app, login_as, make_plan):
    plan_id = make_plan()
    staff, _ = login_as("staff")
    path = f"/staff/plans/{plan_id}/workshops/new"
    response = staff.post(path, data=workshop_form(csrf_token(staff, path), end_time="12:00"))
    html = response.get_data(as_text=True)
    assert 'id="end_time-error"' in html and "終了時刻は開始時刻より後にしてください。" in html
    response = staff.post(path, data=workshop_form(csrf_token(staff, path), signup_closes_at="2030-05-19T09:00"))
    assert "申込締切はワークショップの開始より前にしてください。" in response.get_data(as_text=True)
    assert workshop_count(app) == 0


def test_a_non_facilitator_cannot_be_assigned(app, login_as, make_plan, make_user):
    plan_id = make_plan()
    citizen_id = make_user("citizen")
    staff, _ = login_as("staff")
    path = f"/staff/plans/{plan_id}/workshops/new"
    response = staff.post(path, data=workshop_form(csrf_token(staff, path), facilitators=str(citizen_id)))
    assert "ファシリテーターは一覧から選択してください。" in response.get_data(as_text=True)
    assert workshop_count(app) == 0


def test_staff_of_another_department_cannot_manage_the_workshop(app, login_as, make_workshop):
    workshop_id = make_workshop()
    other, _ = login_as("staff", department="福祉政策課")
    assert other.get(f"/staff/workshops/{workshop_id}").status_code == 403
    assert other.get(f"/staff/workshops/{workshop_id}/edit").status_code == 403
    assert other.post(f"/staff/workshops/{workshop_id}/capacity",
                      data={"capacity": "99", "csrf_token": csrf_token(other, "/")}).status_code == 403


def test_staff_see_counts_and_accommodation_requests_others_do_not(app, login_as, make_workshop, sign_up, client):
    workshop_id = make_workshop(capacity=1)
    sign_up(workshop_id, name="配慮 申出", accommodation={"sign_language": True, "note": "筆談ボードを希望"})
    sign_up(workshop_id, name="待機 さん")
    staff, _ = login_as("staff")
    html = staff.get(f"/staff/workshops/{workshop_id}").get_data(as_text=True)
    assert "1 / 1" in html and "筆談ボードを希望" in html and "手話通訳" in html
    index = staff.get("/staff/workshops").get_data(as_text=True)
    assert "1 / 1" in index
    assert "筆談ボードを希望" not in client.get(f"/workshops/{workshop_id}").get_data(as_text=True)


def past_workshop(app, make_workshop, sign_up, facilitator_id=None):
    now = utcnow()
    starts = now - timedelta(days=2)
    workshop_id = make_workshop(starts_at=starts, ends_at=starts + timedelta(hours=3),
                                signup_opens_at=starts - timedelta(days=10), signup_closes_at=starts - timedelta(days=1),
                                facilitators=[facilitator_id] if facilitator_id else [])
    people = [sign_up(workshop_id, name=f"参加 {n}号", now=starts - timedelta(days=5))[0] for n in range(3)]
    return workshop_id, people


def test_report_is_refused_until_summary_and_attendance_exist(app, make_workshop, sign_up, make_user):
    workshop_id, people = past_workshop(app, make_workshop, sign_up)
    with app.app_context():
        staff = db.session.get(User, make_user("staff", department="まちづくり政策課"))
        workshop = db.session.get(Workshop, workshop_id)
        refusals = []
        for step in ("summary", "attendance"):
            try:
                facilitation.publish_report(workshop, actor=staff)
            except WorkshopError as exc:
                refusals.append(exc.code)
            if step == "summary":
                facilitation.save_summary(workshop, "まとめ", actor=staff)
        assert refusals == ["report_no_summary", "report_no_attendance"]
        assert workshop.report_published_at is None


def test_report_cannot_be_published_before_the_workshop_ends(app, make_workshop, make_user, login_as):
    workshop_id = make_workshop()
    staff, _ = login_as("staff")
    response = staff.post(f"/staff/workshops/{workshop_id}/report/publish",
                          data={"csrf_token": csrf_token(staff, f"/staff/workshops/{workshop_id}")},
                          follow_redirects=True)
    assert "報告はワークショップの終了後に公開できます。" in response.get_data(as_text=True)
    assert client_report_status(app, workshop_id) is None


def client_report_status(app, workshop_id):
    with app.app_context():
        return db.session.get(Workshop, workshop_id).report_published_at


def test_published_report_has_the_overview_and_notes_by_votes_without_names(app, client, make_workshop, sign_up,
                                                                           make_user, login_as):
    facilitator_id = make_user("facilitator")
    workshop_id, people = past_workshop(app, make_workshop, sign_up, facilitator_id)
    with app.app_context():
        facilitator = db.session.get(User, facilitator_id)
        workshop = db.session.get(Workshop, workshop_id)
        for person in people:
            facilitation.check_in(workshop, db.session.get(Registration, person), actor=facilitator)
        group = facilitation.create_group(workshop, "Aグループ", actor=facilitator)
        for key, (text, votes) in enumerate((("少ない票の付箋", 1), ("一番多い票の付箋", 9), ("中くらいの付箋", 4))):
            note, _ = facilitation.add_note(workshop, group, kind="提案", text=text, client_key=str(key),
                                            actor=facilitator)
            facilitation.set_note_votes(workshop, group, note, votes, actor=facilitator)
        facilitation.save_summary(workshop, "担い手づくりが一番の話題でした。", actor=facilitator)
        db.session.commit()
    assert client.get(f"/workshops/{workshop_id}/report").status_code == 404
    staff, _ = login_as("staff")
    staff.post(f"/staff/workshops/{workshop_id}/report/publish",
               data={"csrf_token": csrf_token(staff, f"/staff/workshops/{workshop_id}")})
    staff.post("/logout", data={"csrf_token": csrf_token(staff, "/")})
    html = client.get(f"/workshops/{workshop_id}/report").get_data(as_text=True)
    for heading in ("日時", "会場", "テーマ", "内容", "参加者数"):
        assert f'<th scope="row">{heading}</th>' in html
    assert "3名" in html and "担い手づくりが一番の話題でした。" in html
    assert html.index("一番多い票の付箋") < html.index("中くらいの付箋") < html.index("少ない票の付箋")
    assert "参加 0号" not in html and "参加 1号" not in html


def test_plan_timeline_and_home_page_show_the_workshop(client, make_plan, make_workshop):
    plan_id = make_plan()
    make_workshop(plan_id=plan_id, title="タイムライン確認ワークショップ")
    make_workshop(plan_id=plan_id, title="下書きのワークショップ", publish=False)
    plan_page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert '<span class="step-kind">ワークショップ</span>' in plan_page
    assert "タイムライン確認ワークショップ" in plan_page and "受付中" in plan_page
    assert "下書きのワークショップ" not in plan_page
    home = client.get("/").get_data(as_text=True)
    assert "これから開催するワークショップ" in home and "タイムライン確認ワークショップ" in home


def test_cancelling_a_workshop_tells_everyone_signed_up(app, login_as, make_workshop, sign_up, mailbox, run_jobs):
    workshop_id = make_workshop(capacity=1)
    sign_up(workshop_id, email="a@example.jp")
    sign_up(workshop_id, email="b@example.jp")
    run_jobs()
    mailbox.clear()
    staff, _ = login_as("staff")
    path = f"/staff/workshops/{workshop_id}"
    refused = staff.post(f"{path}/cancel", data={"reason": "", "csrf_token": csrf_token(staff, path)})
    assert refused.status_code == 400 and "理由を入力してください。" in refused.get_data(as_text=True)
    staff.post(f"{path}/cancel", data={"reason": "会場の設備故障のため", "csrf_token": csrf_token(staff, path)})
    run_jobs()
    assert sorted(mail["To"] for mail in mailbox) == ["a@example.jp", "b@example.jp"]
    assert all("会場の設備故障のため" in mail.get_content() for mail in mailbox)


def test_groups_are_listed_in_the_order_made(app, make_workshop, make_user):
    facilitator_id = make_user("facilitator")
    workshop_id = make_workshop(facilitators=[facilitator_id])
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        facilitator = db.session.get(User, facilitator_id)
        for name in ("B", "A", "C"):
            facilitation.create_group(workshop, name, actor=facilitator)
        db.session.commit()
        assert [group.name for group in db.session.scalars(
            select(WorkshopGroup).order_by(WorkshopGroup.position))] == ["B", "A", "C"]


def test_editing_below_the_confirmed_seats_changes_nothing(app, login_as, make_workshop, sign_up, snapshot):
    workshop_id = make_workshop(capacity=5, title="元の名称")
    sign_up(workshop_id)
    sign_up(workshop_id)
    before = snapshot(workshop_id)
    staff, _ = login_as("staff")
    path = f"/staff/workshops/{workshop_id}/edit"
    response = staff.post(path, data=workshop_form(csrf_token(staff, path), title="変えた名称", capacity="1", max_party_size="1",
                                                   day="2031-05-18", signup_closes_at="2031-05-15T17:00"))
    html = response.get_data(as_text=True)
    assert 'id="capacity-error"' in html and "すでに確定している人数より少なくできません" in html
    assert snapshot(workshop_id) == before
    with app.app_context():
        assert db.session.get(Workshop, workshop_id).title == "元の名称"
