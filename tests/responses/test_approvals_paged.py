"""The approver's list is paged in SQL: the same answers, in the same order, as the old whole list."""

import re

from sqlalchemy import select, update

from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses import approvals, services
from app.responses.models import Response
from tests.conftest import csrf_token
from tests.responses.conftest import user


def _submit_all(app, period_id, author_id) -> list[int]:
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        ids = []
        for target in services.period_targets(period):
            response = services.save_response(period, target, body=f"回答 {target.id}", category="C",
                                              actor=user(author_id))
            services.submit_response(response, actor=user(author_id))
            ids.append(response.id)
        db.session.commit()
        return ids


def test_pages_of_the_list_are_the_old_list_cut_in_order(app, ctx, make_user, make_period, make_opinion,
                                                         make_group):
    period_id = make_period()
    for _ in range(approvals.PER_PAGE + 3):
        make_opinion(period_id)
    group_id = make_group(period_id)
    make_opinion(period_id, group=group_id, state="pending")
    make_opinion(period_id, group=group_id, summary="まとめた意見")
    make_opinion(period_id, group=group_id)
    other_department = make_period(department="財政課")
    make_opinion(other_department)
    author_id = make_user("staff", department="まちづくり政策課")
    approver_id = make_user("staff", department="まちづくり政策課")
    mine = _submit_all(app, period_id, author_id)
    _submit_all(app, other_department, make_user("staff", department="財政課"))
    _submit_all(app, make_period(), approver_id)  # the approver's own: not theirs to approve
    approver = user(approver_id)

    old = services.awaiting_approval(approver)
    first, second = approvals.waiting_page(approver, 1), approvals.waiting_page(approver, 2)
    assert first.total == second.total == len(old) == len(mine) == approvals.PER_PAGE + 4
    assert [r.response.id for r in first.items + second.items] == [r.id for r in old]
    assert len(first.items) == approvals.PER_PAGE and approvals.waiting_page(approver, 3).items == []
    group_row = next(r for r in first.items + second.items if r.response.group_id == group_id)
    assert group_row.opinion_text == "まとめた意見" and group_row.similar == 1  # the pending member is not counted
    assert sorted(approvals.waiting_ids(approver, [*mine, 10**6, -1])) == sorted(mine)


def test_an_answer_on_the_second_page_can_be_approved(app, login_as, make_user, make_period, make_opinion):
    period_id = make_period()
    for _ in range(approvals.PER_PAGE + 2):
        make_opinion(period_id)
    author_id = make_user("staff", department="まちづくり政策課")
    ids = _submit_all(app, period_id, author_id)
    approver, _ = login_as("staff")
    first = approver.get("/staff/responses").get_data(as_text=True)
    assert len(re.findall(r'name="response_ids"', first)) == approvals.PER_PAGE and 'rel="next"' in first
    assert f"{approvals.PER_PAGE + 2}件" in first
    second = approver.get("/staff/responses?page=2").get_data(as_text=True)
    assert len(re.findall(r'name="response_ids"', second)) == 2 and f'value="{ids[-1]}"' in second
    token = csrf_token(approver, "/staff/responses?page=2")
    done = approver.post("/staff/responses/approve", data={"csrf_token": token, "response_ids": [str(ids[-1])]})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Response, ids[-1]).state == "approved"
        db.session.execute(update(Response).where(Response.id == ids[0]).values(state="draft"))
        db.session.commit()
    # No longer waiting (returned meanwhile): refused as not a choice, nothing approved.
    refused = approver.post("/staff/responses/approve", data={"csrf_token": token, "response_ids": [str(ids[0])]})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Response.state).where(Response.id == ids[0])) == "draft"
