"""The staff pages and the public pages, through HTTP as people use them."""

from sqlalchemy import func, select

from app.core.settings import get_setting
from app.extensions import db
from app.periods.models import Section
from app.responses.models import DraftChange, Response, Result
from tests.conftest import csrf_token, login


def _email(app, user_id):
    from app.accounts.models import User

    with app.app_context():
        return db.session.get(User, user_id).email


def _response(app, period_id):
    with app.app_context():
        return db.session.scalar(select(Response).where(Response.period_id == period_id))


def test_staff_write_submit_and_a_colleague_approves_through_the_pages(app, client, login_as, make_period,
                                                                        make_opinion, make_user):
    period_id = make_period()
    opinion_id = make_opinion(period_id)
    staff, author_id = login_as("staff")
    work = staff.get(f"/staff/periods/{period_id}/responses")
    assert work.status_code == 200 and "未作成" in work.get_data(as_text=True)
    edit_url = f"/staff/periods/{period_id}/responses/opinion/{opinion_id}"
    token = csrf_token(staff, edit_url)
    saved = staff.post(edit_url, data={"csrf_token": token, "body": "**開館時間**の延長を検討します。", "category": "A"})
    assert saved.status_code == 303
    response = _response(app, period_id)
    assert staff.post(f"/staff/responses/{response.id}/submit", data={"csrf_token": token}).status_code == 303
    own = staff.post(f"/staff/responses/{response.id}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert "ご自身が作成した市の考え方は承認できません" in own.get_data(as_text=True)
    assert _response(app, period_id).state == "submitted"

    approver_id = make_user("staff", department="まちづくり政策課")
    other = app.test_client()
    login(other, _email(app, approver_id))
    page = other.get(edit_url).get_data(as_text=True)
    assert "承認する" in page and "<strong>開館時間</strong>" not in page  # the form shows the source
    assert other.get("/staff/responses").get_data(as_text=True).count(edit_url) == 1
    token = csrf_token(other, edit_url)
    assert other.post(f"/staff/responses/{response.id}/approve", data={"csrf_token": token}).status_code == 303
    assert _response(app, period_id).state == "approved"
    assert _response(app, period_id).approver_id == approver_id and author_id != approver_id


def test_bad_category_is_refused_next_to_the_field(app, login_as, make_period, make_opinion):
    period_id = make_period()
    opinion_id = make_opinion(period_id)
    staff, _ = login_as("staff")
    url = f"/staff/periods/{period_id}/responses/opinion/{opinion_id}"
    page = staff.post(url, data={"csrf_token": csrf_token(staff, url), "body": "回答", "category": "Z"})
    assert page.status_code == 422
    assert 'id="category-error"' in page.get_data(as_text=True)
    assert _response(app, period_id) is None


def test_change_naming_another_periods_section_is_refused(app, login_as, make_period, make_opinion):
    period_id, other_id = make_period(), make_period(title="別の案")
    opinion_id = make_opinion(period_id)
    with app.app_context():
        foreign = db.session.scalar(select(Section.id).where(Section.period_id == other_id))
    staff, _ = login_as("staff")
    url = f"/staff/periods/{period_id}/responses/opinion/{opinion_id}"
    page = staff.post(f"{url}/changes", data={"csrf_token": csrf_token(staff, url), "section": foreign,
                                              "before": "前", "after": "後"})
    assert page.status_code == 422
    assert "別の意見募集の案のもの" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DraftChange)) == 0
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_returning_needs_a_comment(app, client, login_as, make_period, make_opinion, make_user):
    period_id = make_period()
    opinion_id = make_opinion(period_id)
    staff, _ = login_as("staff")
    url = f"/staff/periods/{period_id}/responses/opinion/{opinion_id}"
    token = csrf_token(staff, url)
    staff.post(url, data={"csrf_token": token, "body": "回答です。", "category": "C"})
    response = _response(app, period_id)
    staff.post(f"/staff/responses/{response.id}/submit", data={"csrf_token": token})
    reviewer = app.test_client()
    login(reviewer, _email(app, make_user("staff", department="まちづくり政策課")))
    token = csrf_token(reviewer, url)
    empty = reviewer.post(f"/staff/responses/{response.id}/return", data={"csrf_token": token, "comment": ""})
    assert empty.status_code == 422 and _response(app, period_id).state == "submitted"
    reviewer.post(f"/staff/responses/{response.id}/return", data={"csrf_token": token, "comment": "根拠を追記"})
    assert _response(app, period_id).state == "draft"
    assert "根拠を追記" in staff.get(url).get_data(as_text=True)


def test_other_department_cannot_open_the_work_pages(login_as, make_period, make_opinion):
    period_id = make_period()
    opinion_id = make_opinion(period_id)
    outsider, _ = login_as("staff", department="財政課")
    assert outsider.get(f"/staff/periods/{period_id}/responses").status_code == 403
    assert outsider.get(f"/staff/periods/{period_id}/responses/opinion/{opinion_id}").status_code == 403
    assert outsider.get(f"/staff/periods/{period_id}/result").status_code == 403


def test_work_view_filters_by_state_section_and_category(app, login_as, make_period, make_opinion):
    period_id = make_period()
    make_opinion(period_id, excerpt="第一の意見", section=1)
    make_opinion(period_id, excerpt="第二の意見", section=2)
    staff, _ = login_as("staff")
    with app.app_context():
        section_id = db.session.scalar(select(Section.id).where(Section.period_id == period_id,
                                                                Section.position == 2))
    page = staff.get(f"/staff/periods/{period_id}/responses?section={section_id}").get_data(as_text=True)
    assert "第二の意見" in page and "第一の意見" not in page
    page = staff.get(f"/staff/periods/{period_id}/responses?status=approved").get_data(as_text=True)
    assert "該当する意見はありません" in page


def test_publish_page_lists_what_is_missing_and_refuses(app, login_as, make_period, make_opinion):
    period_id = make_period("open")
    make_opinion(period_id)
    staff, _ = login_as("staff")
    page = staff.get(f"/staff/periods/{period_id}/result").get_data(as_text=True)
    assert "意見募集期間がまだ終了していません。" in page
    assert "承認済みの市の考え方がない意見・意見グループが1件あります。" in page
    token = csrf_token(staff, f"/staff/periods/{period_id}/result")
    refused = staff.post(f"/staff/periods/{period_id}/result/publish", data={"csrf_token": token, "confirm": "y"},
                         follow_redirects=True)
    assert "意見募集期間がまだ終了していません。" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Result.published_at).where(Result.period_id == period_id)) is None


def test_full_flow_publishes_the_result_page_in_japanese_and_english(app, client, login_as, make_period,
                                                                       make_opinion, answered, run_jobs):
    period_id = make_period()
    make_opinion(period_id, summary="センターの開館時間延長")
    answered(period_id, category="A", body="開館時間の延長を検討します。")
    staff, _ = login_as("staff")
    url = f"/staff/periods/{period_id}/result"
    token = csrf_token(staff, url)
    saved = staff.post(url, data={"csrf_token": token, "title": "第5次計画（案）に対する意見募集の結果",
                                  "draft_published_on": "2025-10-06", "full_text_note": "まちづくり政策課で閲覧できます。",
                                  "introduction": ""})
    assert saved.status_code == 303
    preview = staff.get(f"{url}/preview").get_data(as_text=True)
    assert "プレビュー" in preview and "開館時間の延長を検討します。" in preview
    unconfirmed = staff.post(f"{url}/publish", data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and "チェックを入れてください" in unconfirmed.get_data(as_text=True)
    assert client.get(f"/periods/{period_id}/result").status_code == 404
    assert staff.post(f"{url}/publish", data={"csrf_token": token, "confirm": "y"}).status_code == 303
    run_jobs()
    page = client.get(f"/periods/{period_id}/result").get_data(as_text=True)
    assert "第5次計画（案）に対する意見募集の結果" in page and "令和7年10月6日" in page
    assert "A 反映する" in page and "提出者数 1名、意見件数 1件" in page
    assert f"/periods/{period_id}/result/download/csv" in page
    client.get("/language", query_string={"lang": "en"})
    english = client.get(f"/periods/{period_id}/result").get_data(as_text=True)
    assert "The city&#39;s view" in english or "The city's view" in english
    assert "Submitters: 1, opinions: 1" in english


def test_erratum_through_the_page_is_shown_on_the_result(app, client, login_as, make_period, make_opinion, answered):
    from datetime import date

    from app.accounts.models import User
    from app.periods.models import CommentPeriod
    from app.responses import results

    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = answered(period_id)
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        actor = db.session.get(User, author_id)
        results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6), full_text_note="",
                              introduction="", actor=actor)
        results.publish_result(period, actor=actor)
        db.session.commit()
    staff, _ = login_as("staff")
    url = f"/staff/periods/{period_id}/result"
    token = csrf_token(staff, url)
    missing = staff.post(f"{url}/errata", data={"csrf_token": token, "after": "令和8年度", "reason": ""})
    assert missing.status_code == 422
    staff.post(f"{url}/errata", data={"csrf_token": token, "location": "No.1", "before": "令和7年度",
                                      "after": "令和8年度", "reason": "年度の誤り"})
    page = client.get(f"/periods/{period_id}/result").get_data(as_text=True)
    assert "正誤" in page and "年度の誤り" in page and "令和8年度" in page


def test_admin_edits_reflection_categories_but_cannot_drop_one_in_use(app, login_as, make_period, make_opinion,
                                                                       answered):
    period_id = make_period()
    make_opinion(period_id)
    answered(period_id, category="C")
    admin, _ = login_as("admin")
    url = "/admin/settings/categories"
    page = admin.get(url).get_data(as_text=True)
    assert 'value="今後の参考とする"' in page
    token = csrf_token(admin, url)
    rows = {"csrf_token": token, "rows-0-code": "A", "rows-0-title": "反映する", "rows-1-code": "F",
            "rows-1-title": "国・県の所管"}
    refused = admin.post(url, data=rows)
    assert refused.status_code == 422 and "市の考え方で使われている記号は削除できません" in refused.get_data(as_text=True)
    with app.app_context():
        assert [item[0] for item in get_setting("response.categories")] == ["A", "B", "C", "D", "E"]
    rows.update({"rows-2-code": "C", "rows-2-title": "今後の参考", "rows-2-title_en": "For future work"})
    assert admin.post(url, data=rows).status_code == 303
    with app.app_context():
        assert get_setting("response.categories") == [["A", "反映する", ""], ["F", "国・県の所管", ""],
                                                      ["C", "今後の参考", "For future work"]]


def test_categories_page_is_for_admins_only(login_as):
    staff, _ = login_as("staff")
    assert staff.get("/admin/settings/categories").status_code == 403
