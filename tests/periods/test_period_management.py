"""Staff create, schedule, extend and withdraw periods; the city's minimum length is a setting."""

from datetime import timedelta

from sqlalchemy import select

from app.core.models import AuditEntry
from app.core.timeutil import jst_today, utcnow
from app.extensions import db
from app.periods.models import CommentPeriod
from tests.conftest import csrf_token


def period_form(**overrides):
    data = {"title": "意見募集", "description": "**案**について", "opens_on": "2030-04-01", "opens_time": "",
            "closes_on": "2030-05-10", "closes_time": "", "short_period_reason": "", "viewing_places": "本庁舎\n中央図書館",
            "eligibility": ["resident", "worker"], "accept_web": "y", "accept_fax": "y", "fax_number": "083-000-1234",
            "contact_department": "まちづくり政策課", "contact": "", "rule_name": "required", "rule_address": "optional",
            "rule_attribute": "required", "rule_email": "optional", "rule_phone": "hidden", "body_max_length": "4000",
            "max_attachments": "3", "max_attachment_mb": "10", "receipt_prefix": ""}
    data.update(overrides)
    return data


def post_new(client, plan_id, **overrides):
    path = f"/staff/plans/{plan_id}/periods/new"
    return client.post(path, data={**period_form(**overrides), "csrf_token": csrf_token(client, path)})


def test_staff_create_a_period_closing_at_the_end_of_the_last_day_in_japan(app, login_as, make_plan):
    client, _ = login_as("staff")
    response = post_new(client, make_plan())
    assert response.status_code == 303
    with app.app_context():
        period = db.session.scalars(select(CommentPeriod)).one()
        assert period.closes_at.isoformat() == "2030-05-10T14:59:59+00:00"  # 23:59:59 JST
        assert period.opens_at.isoformat() == "2030-03-31T15:00:00+00:00"
        assert period.channels == {"web": "", "fax": "083-000-1234"} and period.status == "draft"
        assert period.viewing_places == ["本庁舎", "中央図書館"]


def test_closing_before_opening_is_refused_by_the_field(login_as, make_plan, count_rows):
    client, _ = login_as("staff")
    html = post_new(client, make_plan(), closes_on="2030-03-01").get_data(as_text=True)
    assert "募集最終日は募集開始日より後にしてください。" in html and 'id="closes_on-error"' in html
    assert count_rows(CommentPeriod) == 0


def test_a_five_day_period_needs_a_reason_that_is_then_shown_publicly(app, client, login_as, make_plan, count_rows):
    staff, _ = login_as("staff")
    plan_id = make_plan()
    html = post_new(staff, plan_id, closes_on="2030-04-05").get_data(as_text=True)
    assert "この募集期間は5日で、市の定める最短期間30日より短くなっています" in html
    assert count_rows(CommentPeriod) == 0
    reason = "国の制度改正の施行日に間に合わせるため、期間を短くしています。"
    assert post_new(staff, plan_id, closes_on="2030-04-05", short_period_reason=reason).status_code == 303
    with app.app_context():
        period_id = db.session.scalar(select(CommentPeriod.id))
    staff.post(f"/staff/periods/{period_id}/schedule", data={"csrf_token": csrf_token(staff, "/")})
    staff.post("/logout", data={"csrf_token": csrf_token(staff, "/")})
    assert reason in client.get(f"/periods/{period_id}").get_data(as_text=True)


def test_the_minimum_length_is_an_admin_setting(app, login_as, make_plan, count_rows):
    admin, _ = login_as("admin")
    path = "/admin/settings/periods"
    response = admin.post(path, data={"csrf_token": csrf_token(admin, path), "min_days": "3",
                                      "attributes": "resident 在住\nworker 在勤", "reason": "要綱改正"})
    assert response.status_code == 303
    assert post_new(admin, make_plan(), closes_on="2030-04-05", eligibility=["resident"]).status_code == 303
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "setting.change")).first()
        assert entry.reason == "要綱改正"


def test_settings_page_is_for_admins_and_checks_its_lines(login_as):
    staff, _ = login_as("staff")
    assert staff.get("/admin/settings/periods").status_code == 403


def test_bad_attribute_lines_are_refused(login_as):
    admin, _ = login_as("admin")
    path = "/admin/settings/periods"
    html = admin.post(path, data={"csrf_token": csrf_token(admin, path), "min_days": "30",
                                  "attributes": "在住だけ"}).get_data(as_text=True)
    assert "各行は、コード" in html


def _edit(client, period_id, **overrides):
    path = f"/staff/periods/{period_id}/edit"
    return client.post(path, data={**period_form(**overrides), "csrf_token": csrf_token(client, path)})


def _open_period(make_period):
    today = jst_today()
    return make_period(opens_at=utcnow() - timedelta(days=3), closes_at=utcnow() + timedelta(days=30)), today


def test_dates_of_an_opened_period_only_move_to_extend_it_with_a_logged_reason(app, login_as, make_period):
    client, _ = login_as("staff")
    period_id, today = _open_period(make_period)
    with app.app_context():
        period = db.session.get(CommentPeriod, period_id)
        opens_on = (period.opens_at + timedelta(hours=9)).date()
        closes_on = (period.closes_at + timedelta(hours=9)).date()
        opens_time = (period.opens_at + timedelta(hours=9)).strftime("%H:%M")
        closes_time = (period.closes_at + timedelta(hours=9)).strftime("%H:%M")
    base = {"opens_on": opens_on.isoformat(), "opens_time": opens_time, "closes_time": closes_time}
    unchanged = _edit(client, period_id, **base, closes_on=closes_on.isoformat())
    assert unchanged.status_code == 303
    earlier = _edit(client, period_id, **{**base, "opens_on": (opens_on - timedelta(days=1)).isoformat()},
                    closes_on=closes_on.isoformat())
    assert "開始日時は変更できません" in earlier.get_data(as_text=True)
    shorter = _edit(client, period_id, **base, closes_on=(closes_on - timedelta(days=1)).isoformat())
    assert "短縮はできません" in shorter.get_data(as_text=True)
    no_reason = _edit(client, period_id, **base, closes_on=(closes_on + timedelta(days=7)).isoformat())
    assert "延長の理由を入力してください" in no_reason.get_data(as_text=True)
    extended = _edit(client, period_id, **base, closes_on=(closes_on + timedelta(days=7)).isoformat(),
                     extension_reason="台風で閲覧場所が休館したため")
    assert extended.status_code == 303
    with app.app_context():
        assert (db.session.get(CommentPeriod, period_id).closes_at + timedelta(hours=9)).date() == \
            closes_on + timedelta(days=7)
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "period.extend")).one()
        assert entry.reason == "台風で閲覧場所が休館したため"


def test_state_follows_the_clock(app, make_period):
    now = utcnow()
    with app.app_context():
        period = db.session.get(CommentPeriod, make_period(opens_at=now + timedelta(days=1),
                                                           closes_at=now + timedelta(days=40)))
        assert period.state(now) == "scheduled"
        assert period.state(now + timedelta(days=2)) == "open"
        assert period.state(now + timedelta(days=41)) == "closed"
        period.results_published_at = now
        assert period.state(now + timedelta(days=41)) == "published"


def test_schedule_back_to_draft_and_withdraw_with_a_reason(app, login_as, make_period):
    client, _ = login_as("staff")
    period_id = make_period(status="draft", opens_at=utcnow() + timedelta(days=2),
                            closes_at=utcnow() + timedelta(days=40))
    token = csrf_token(client, "/")
    client.post(f"/staff/periods/{period_id}/schedule", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).status == "scheduled"
    client.post(f"/staff/periods/{period_id}/unschedule", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).status == "draft"
    client.post(f"/staff/periods/{period_id}/withdraw", data={"csrf_token": token, "reason": ""})
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).status == "draft"
    client.post(f"/staff/periods/{period_id}/withdraw", data={"csrf_token": token, "reason": "案を作り直すため"})
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).status == "withdrawn"


def test_an_opened_period_cannot_go_back_to_draft(app, login_as, make_period):
    client, _ = login_as("staff")
    period_id, _ = _open_period(make_period)
    client.post(f"/staff/periods/{period_id}/unschedule", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).status == "scheduled"


def test_sections_are_saved_in_order_and_one_in_use_cannot_be_removed(app, login_as, make_period, client):
    from tests.submissions.conftest import opinion, submit

    period_id = make_period(sections=[("第1章 1", "計画の背景")])
    with app.app_context():
        first = db.session.get(CommentPeriod, period_id).sections[0].id
    submit(client, period_id, opinion(section=str(first)))
    staff, _ = login_as("staff")
    path = f"/staff/periods/{period_id}/sections"
    token = csrf_token(staff, path)
    staff.post(path, data={"csrf_token": token, "rows-0-id": str(first), "rows-0-label": "第1章 1",
                           "rows-0-title": "計画の背景", "rows-0-body": "", "rows-1-id": "", "rows-1-label": "第1章 2",
                           "rows-1-title": "計画の趣旨", "rows-1-body": "本文"})
    with app.app_context():
        assert [s.display for s in db.session.get(CommentPeriod, period_id).sections] == ["第1章 1 計画の背景",
                                                                                            "第1章 2 計画の趣旨"]
    html = staff.post(path, data={"csrf_token": token, "rows-0-id": str(first), "rows-0-title": ""},
                      follow_redirects=True).get_data(as_text=True)
    assert "意見が寄せられている項目は削除できません。" in html


def test_a_section_a_moderator_tied_an_opinion_to_cannot_be_removed(app, login_as, make_period, make_opinion):
    period_id = make_period(sections=[("第1章 1", "計画の背景"), ("第1章 2", "計画の趣旨")])
    make_opinion(period_id, section=2)  # the citizen chose no section; the moderator chose 計画の趣旨
    staff, _ = login_as("staff")
    path = f"/staff/periods/{period_id}/sections"
    with app.app_context():
        first = db.session.get(CommentPeriod, period_id).sections[0].id
    html = staff.post(path, data={"csrf_token": csrf_token(staff, path), "rows-0-id": str(first),
                                  "rows-0-label": "第1章 1", "rows-0-title": "計画の背景"}).get_data(as_text=True)
    assert "意見が寄せられている項目は削除できません。" in html
    with app.app_context():
        assert len(db.session.get(CommentPeriod, period_id).sections) == 2
