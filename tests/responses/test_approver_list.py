"""The approver's list (issue 17, item 6), the answer history's words (item 5) and the English
labels of the city's settings on the result page."""

import re

from sqlalchemy import select

from app.core.settings import set_setting
from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses import services
from app.responses.models import Response
from tests.conftest import csrf_token
from tests.responses.conftest import user


def _submitted(app, period_id, author_id, *, category="C", body="開館時間の延長を検討します。"):
    """Answers written and sent for approval by ``author_id``; returns their ids."""
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        ids = []
        for target in services.period_targets(period):
            response = services.save_response(period, target, body=body, category=category, actor=user(author_id))
            services.submit_response(response, actor=user(author_id))
            ids.append(response.id)
        db.session.commit()
        return ids


def test_approver_list_shows_what_the_answer_is_about_and_approves_the_ticked_ones(
        app, login_as, make_user, make_period, make_opinion, make_group):
    period_id = make_period(title="第5次下関市市民活動促進基本計画（案）")
    make_opinion(period_id, summary="ふくふくサポートの開館時間を延ばしてほしい。", section=2)
    group_id = make_group(period_id)
    make_opinion(period_id, group=group_id, summary="夜も使えるようにしてほしい。")
    make_opinion(period_id, group=group_id, summary="夜間の利用を認めてほしい。")
    author_id = make_user("staff", department="まちづくり政策課", name="作成 花子")
    first, second = _submitted(app, period_id, author_id)
    approver, _ = login_as("staff")

    page = approver.get("/staff/responses").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", page)
    assert "ふくふくサポートの開館時間を延ばしてほしい。" in text and "第5次下関市市民活動促進基本計画（案）" in text
    assert "第1章 2 計画の趣旨" in text and "作成 花子" in text and "C 今後の参考とする" in text
    assert "開館時間の延長を検討します。" in text and "同様の意見1件" in text.replace(" ", "")
    assert re.search(r"0日（令和\d+年\d+月\d+日（[月火水木金土日]） \d\d:\d\dから）", text)

    token = csrf_token(approver, "/staff/responses")
    nothing = approver.post("/staff/responses/approve", data={"csrf_token": token})
    assert nothing.status_code == 422 and "1件以上チェックを入れてください" in nothing.get_data(as_text=True)
    done = approver.post("/staff/responses/approve", data={"csrf_token": token, "response_ids": [str(first)]},
                         follow_redirects=True)
    assert "1件の市の考え方を承認しました。" in done.get_data(as_text=True)
    with app.app_context():
        states = dict(db.session.execute(select(Response.id, Response.state)).all())
    assert states == {first: "approved", second: "submitted"}


def test_approving_from_the_list_refuses_answers_not_waiting_for_this_user(app, login_as, make_user, make_period,
                                                                            make_opinion):
    period_id = make_period()
    make_opinion(period_id)
    approver, approver_id = login_as("staff")
    (own,) = _submitted(app, period_id, approver_id)  # written by the approver: someone else must approve
    token = csrf_token(approver, "/staff/responses")
    refused = approver.post("/staff/responses/approve", data={"csrf_token": token, "response_ids": [str(own)]})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(Response, own).state == "submitted"


def test_answer_history_names_actions_and_people(app, login_as, make_user, make_period, make_opinion):
    period_id = make_period()
    opinion_id = make_opinion(period_id)
    author_id = make_user("staff", department="まちづくり政策課", name="作成 花子")
    _submitted(app, period_id, author_id)
    staff, _ = login_as("staff")
    page = staff.get(f"/staff/periods/{period_id}/responses/opinion/{opinion_id}").get_data(as_text=True)
    history = page[page.index('id="history-heading"'):]
    assert "保存" in history and "承認を依頼" in history and "作成 花子" in history
    assert "response.save" not in history and "@example" not in history


def test_english_result_page_shows_english_labels_or_the_japanese_one_when_none_is_given(
        app, client, make_period, make_opinion, make_submission, answered, run_jobs):
    from datetime import date

    from app.responses import results

    period_id = make_period()
    submission_id = make_submission(period_id, attribute="worker")
    make_opinion(period_id, submission_id=submission_id, summary="センターの開館時間延長")
    make_opinion(period_id, state="withheld", withhold_reason="unrelated")
    author_id, _ = answered(period_id, category="A")
    with app.test_request_context():
        set_setting("period.attributes", [["resident", "在住", "Lives in the city"], ["worker", "在勤", ""]],
                    actor=None)
        period = db.session.get(CommentPeriod, period_id)
        results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6),
                              full_text_note="窓口で閲覧できます。", introduction="", actor=user(author_id))
        results.publish_result(period, actor=user(author_id))
        db.session.commit()
    run_jobs()
    client.get("/language", query_string={"lang": "en"})
    english = re.sub(r"<[^>]+>", " ", client.get(f"/periods/{period_id}/result").get_data(as_text=True))
    assert "A Reflected in the plan" in english and "反映する" not in english
    assert "在勤" in english  # no English label given: the Japanese one stands
    assert "1 opinion is not published, for this reason:" in english and "1 opinions" not in english
    client.get("/language", query_string={"lang": "ja"})
    japanese = client.get(f"/periods/{period_id}/result").get_data(as_text=True)
    assert "A 反映する" in japanese and "Reflected in the plan" not in japanese
