import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.plans.models import Plan
from tests.conftest import csrf_token


def plan_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Plan))


def form(client, **fields):
    data = {"title": "第5次下関市市民活動促進基本計画", "summary": "## 背景\n\n市民活動", "department": "まちづくり政策課",
            "contact": "まちづくり政策課", "start_year": "2026", "end_year": "2030"}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/staff/plans/new")
    return data


def test_staff_creates_publishes_and_the_public_sees_the_plan(app, login_as):
    client, staff_id = login_as("staff")
    response = client.post("/staff/plans/new", data=form(client))
    assert response.status_code == 303
    plan_id = int(response.headers["Location"].split("/")[-2])
    # Not public until published.
    assert app.test_client().get(f"/plans/{plan_id}").status_code == 404
    client.post(f"/staff/plans/{plan_id}/publish", data={"csrf_token": csrf_token(client, "/staff/plans")})
    public = app.test_client()
    html = public.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "第5次下関市市民活動促進基本計画" in html
    assert "<h2>背景</h2>" in html and "令和8年度–令和12年度" in html
    assert "第5次下関市市民活動促進基本計画" in public.get("/plans").get_data(as_text=True)
    assert "第5次下関市市民活動促進基本計画" in public.get("/").get_data(as_text=True)
    with app.app_context():
        actions = db.session.execute(
            select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.object_type == "Plan")
        ).all()
    assert [tuple(row) for row in actions] == [("plan.create", staff_id), ("plan.publish", staff_id)]


def test_editing_a_plan_is_audited_with_the_fields_changed(app, login_as, make_plan):
    client, _ = login_as("staff")
    plan_id = make_plan()
    client.post(f"/staff/plans/{plan_id}/edit", data=form(client, title="改めた件名", summary="", contact=""))
    with app.app_context():
        assert db.session.get(Plan, plan_id).title == "改めた件名"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.update")).one()
        assert entry.details == {"fields": ["title"]}


@pytest.mark.parametrize("fields,message", [
    ({"title": ""}, "件名を入力してください。"),
    ({"title": "長" * 201}, "件名は200文字以内で入力してください。"),
    ({"summary": "あ" * 20001}, "概要は20000文字以内で入力してください。"),
    ({"start_year": "1999"}, "2000から2100までの年を入力してください。"),
    ({"start_year": "2030", "end_year": "2026"}, "最終年度は初年度以降にしてください。"),
    ({"start_year": "令和8"}, "Not a valid integer value."),
])
def test_bad_plan_input_gets_a_message_and_changes_nothing(app, login_as, fields, message):
    client, _ = login_as("staff")
    response = client.post("/staff/plans/new", data=form(client, **fields))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "error-summary" in html
    if message.isascii():
        assert 'aria-invalid="true"' in html
    else:
        assert message in html
    assert plan_count(app) == 0


def test_a_10_mb_summary_is_refused_with_a_clear_message(app, login_as):
    client, _ = login_as("staff")
    response = client.post("/staff/plans/new", data=form(client, summary="a" * (10 * 1024 * 1024)))
    assert response.status_code == 200
    assert "概要は20000文字以内で入力してください。" in response.get_data(as_text=True)
    assert plan_count(app) == 0


def test_html_and_script_in_every_field_are_shown_as_text(app, login_as):
    client, _ = login_as("staff")
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post("/staff/plans/new", data=form(client, title=payload, summary=payload, contact=payload))
    plan_id = int(response.headers["Location"].split("/")[-2])
    client.post(f"/staff/plans/{plan_id}/publish", data={"csrf_token": csrf_token(client, "/staff/plans")})
    for html in (app.test_client().get(f"/plans/{plan_id}").get_data(as_text=True),
                 app.test_client().get("/plans").get_data(as_text=True),
                 client.get(f"/staff/plans/{plan_id}/edit").get_data(as_text=True),
                 client.get("/staff/plans").get_data(as_text=True)):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html, html[html.find("<main"):][:800]


def test_staff_cannot_file_a_plan_under_another_department(app, login_as):
    client, _ = login_as("staff", department="まちづくり政策課")
    html = client.post("/staff/plans/new", data=form(client, department="<b>道路河川管理課</b>")).get_data(as_text=True)
    assert "自分の担当課（まちづくり政策課）の計画のみ" in html and "&lt;b&gt;道路河川管理課" in html
    assert plan_count(app) == 0


def test_plan_pages_refuse_citizens_and_nobody(app, login_as, make_plan):
    plan_id = make_plan()
    anonymous = app.test_client()
    assert anonymous.get("/staff/plans/new").status_code == 302
    assert anonymous.post(f"/staff/plans/{plan_id}/publish").status_code in (302, 400)
    client, _ = login_as("citizen")
    assert client.get("/staff/plans").status_code == 403
    assert client.get(f"/staff/plans/{plan_id}/edit").status_code == 403
    response = client.post("/staff/plans/new", data=form(client))
    assert response.status_code == 403
    assert plan_count(app) == 1


def test_staff_of_another_department_cannot_edit_or_publish(app, login_as, make_plan):
    plan_id = make_plan(published=False, department="まちづくり政策課")
    client, _ = login_as("staff", department="道路河川管理課")
    assert client.get(f"/staff/plans/{plan_id}/edit").status_code == 403
    response = client.post(f"/staff/plans/{plan_id}/publish", data={"csrf_token": csrf_token(client, "/staff/plans")})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Plan, plan_id).status == "draft"


def test_publish_without_csrf_token_changes_nothing(app, login_as, make_plan):
    plan_id = make_plan(published=False)
    client, _ = login_as("staff")
    assert client.post(f"/staff/plans/{plan_id}/publish").status_code == 400
    with app.app_context():
        assert db.session.get(Plan, plan_id).status == "draft"


def test_unpublished_and_unknown_plans_are_404_to_the_public(app, make_plan):
    plan_id = make_plan(published=False)
    client = app.test_client()
    assert client.get(f"/plans/{plan_id}").status_code == 404
    assert client.get("/plans/999999").status_code == 404
    assert "テスト計画" not in client.get("/plans").get_data(as_text=True)


def test_demo_load_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin@example.jp / meyasu-demo-2025" in first.output
    with app.app_context():
        counts = {table: db.session.scalar(select(func.count()).select_from(db.metadata.tables[table]))
                  for table in ("users", "plans", "audit_log")}
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        again = {table: db.session.scalar(select(func.count()).select_from(db.metadata.tables[table]))
                 for table in ("users", "plans", "audit_log")}
    assert counts == again and counts["plans"] == 1
