"""Every moderation route for every role, and the moderator's pages working through the queue."""

import re

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup, Redaction, Tag
from app.submissions.models import Submission
from tests.conftest import csrf_token


@pytest.fixture
def world(app, make_period, make_submission, make_opinion, make_tag, make_user):
    period_id = make_period(department="まちづくり政策課")
    sub_id = make_submission(period_id, "自治会の佐藤花子さんに相談したが、センターの案内が分かりにくい。")
    other_sub = make_submission(period_id, "センターの案内表示を分かりやすくしてほしい。")
    first = make_opinion(submission_id=sub_id, state="accepted")
    second = make_opinion(submission_id=other_sub, state="accepted")
    tag_id = make_tag(period_id)
    with app.app_context():
        group = OpinionGroup(period_id=period_id, title="案内の改善")
        db.session.add(group)
        db.session.flush()
        db.session.get(Opinion, first).group_id = group.id
        db.session.get(Opinion, second).group_id = group.id
        redaction = Redaction(opinion_id=first, field="excerpt", start=3, end=7, reason="private_person")
        db.session.add(redaction)
        db.session.commit()
        ids = {"period": period_id, "submission": sub_id, "opinion": first, "tag": tag_id, "group": group.id,
               "redaction": redaction.id}
    return ids


def routes(ids):
    p, s, o, t, g, r = (ids[k] for k in ("period", "submission", "opinion", "tag", "group", "redaction"))
    moderation = [
        ("GET", "/moderation"), ("GET", "/moderation/queue"), ("GET", f"/moderation/submissions/{s}"),
        ("POST", f"/moderation/submissions/{s}/claim"), ("POST", f"/moderation/submissions/{s}/release"),
        ("POST", f"/moderation/submissions/{s}/split"), ("POST", f"/moderation/submissions/{s}/complete"),
        ("POST", f"/moderation/submissions/{s}/reopen"), ("POST", f"/moderation/submissions/{s}/opinions"),
        ("GET", f"/moderation/opinions/{o}"), ("POST", f"/moderation/opinions/{o}"),
        ("POST", f"/moderation/opinions/{o}/decide"), ("POST", f"/moderation/opinions/{o}/redactions"),
        ("POST", f"/moderation/redactions/{r}/remove"), ("POST", f"/moderation/opinions/{o}/group"),
        ("POST", f"/moderation/opinions/{o}/ungroup"), ("POST", f"/moderation/opinions/{o}/delete"),
        ("GET", f"/moderation/periods/{p}/opinions"), ("POST", f"/moderation/periods/{p}/opinions"),
        ("GET", f"/moderation/groups/{g}"), ("POST", f"/moderation/groups/{g}"),
        ("POST", f"/moderation/groups/{g}/dissolve"),
    ]
    staff = [("GET", f"/staff/periods/{p}/tags"), ("POST", f"/staff/periods/{p}/tags"),
             ("POST", f"/staff/tags/{t}"), ("POST", f"/staff/tags/{t}/delete")]
    return moderation, staff


ROLES = [None, ("citizen",), ("facilitator",), ("staff",), ("moderator",), ("admin",), ("staff", "moderator")]


@pytest.mark.parametrize("roles", ROLES, ids=lambda r: "+".join(r) if r else "anonymous")
def test_every_route_admits_only_its_roles(app, client, login_as, world, roles):
    if roles:
        login_as(*roles)
    token = csrf_token(client, "/")
    moderation, staff = routes(world)
    admitted = False
    for kind, allowed_roles in (("moderation", {"moderator", "admin"}), ("staff", {"staff", "admin"})):
        for method, url in moderation if kind == "moderation" else staff:
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            if roles is None:
                assert response.status_code == 302 and "/login" in response.location, url
            elif allowed_roles & set(roles):
                admitted = True
                assert response.status_code in (200, 303, 400), (url, response.status_code)
            else:
                assert response.status_code == 403, (url, roles, response.status_code)
    if not admitted:
        with app.app_context():
            # Refused posts changed nothing.
            assert db.session.scalar(select(func.count()).select_from(Opinion)) == 2
            assert db.session.get(Submission, world["submission"]).claimed_by_id is None
            assert db.session.get(Tag, world["tag"]).name == "市民活動センター"
            assert db.session.get(Redaction, world["redaction"]) is not None
            assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action.like("opinion.%"))) == 0


def test_staff_of_another_department_cannot_manage_the_tag_list(client, login_as, world):
    login_as("staff", department="観光政策課")
    assert client.get(f"/staff/periods/{world['period']}/tags").status_code == 403


def post(client, url, data, page=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)})


def test_moderator_works_a_submission_through_the_pages(app, client, login_as, make_period, make_submission,
                                                       make_tag):
    period_id = make_period()
    tag_id = make_tag(period_id, "案内表示")
    sub_id = make_submission(period_id, "自治会の佐藤花子さんに相談しました。センターの案内が分かりにくいです。")
    client, mod_id = login_as("moderator")
    page = f"/moderation/submissions/{sub_id}"
    # What was sent, with the private person's name marked for the moderator (app/privacy).
    assert '<mark class="pii pii-found">佐藤花子</mark><span class="pii-kind">［個人の氏名］</span>さんに相談しました' in \
        client.get(page).get_data(as_text=True)
    # An excerpt that is not in the submission: refused next to the field, nothing made.
    response = post(client, f"{page}/opinions", {"excerpt": "図書館を増やして"}, page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="excerpt-error">[^<]*提出の本文にありません', html)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Opinion)) == 0
    response = post(client, f"{page}/opinions", {"excerpt": "センターの案内が分かりにくいです。",
                                                 "summary": "佐藤花子さんの件。案内表示を改善してほしい。",
                                                 "tags": [str(tag_id)]}, page)
    assert response.status_code == 303
    with app.app_context():
        opinion = db.session.scalars(select(Opinion)).one()
        opinion_id = opinion.id
        assert [t.name for t in opinion.tags] == ["案内表示"]
    opinion_page = f"/moderation/opinions/{opinion_id}"
    response = post(client, f"{opinion_page}/redactions", {"redact-phrase": "佐藤花子", "redact-reason": "private_person"},
                    opinion_page)
    assert response.status_code == 303
    html = client.get(opinion_page).get_data(as_text=True)
    assert "■■■さんの件。案内表示を改善してほしい。" in html
    response = post(client, f"{opinion_page}/redactions", {"redact-start": "0", "redact-end": "500",
                                                          "redact-reason": "private_person"}, opinion_page)
    assert response.status_code == 400
    assert "0〜" in response.get_data(as_text=True)
    response = post(client, f"{opinion_page}/decide", {"decide-decision": "withheld", "decide-withhold_reason": ""},
                    opinion_page)
    assert response.status_code == 400 and "公表しない理由を選んでください" in response.get_data(as_text=True)
    response = post(client, f"{opinion_page}/decide", {"decide-decision": "accepted"}, opinion_page)
    assert response.status_code == 303
    assert post(client, f"{page}/complete", {}, page).status_code == 303
    with app.app_context():
        assert db.session.get(Submission, sub_id).state == "done"
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == mod_id)))
    assert {"submission.claim", "opinion.create", "opinion.redact", "opinion.accept",
            "submission.complete"} <= actions
    history = client.get(opinion_page).get_data(as_text=True)
    assert "回答対象とした" in history or "回答対象" in history


def test_a_submission_claimed_by_another_moderator_is_refused_with_their_name(app, client, login_as, make_user,
                                                                            make_period, make_submission):
    from app.accounts.models import User
    from app.moderation.services import claim_submission

    period_id = make_period()
    sub_id = make_submission(period_id, "バス路線を残してほしい。")
    other_id = make_user("moderator", name="審査 花子")
    with app.app_context():
        claim_submission(db.session.get(Submission, sub_id), db.session.get(User, other_id))
        db.session.commit()
    client, _ = login_as("moderator")
    page = f"/moderation/submissions/{sub_id}"
    response = post(client, f"{page}/opinions", {"excerpt": "バス路線を残してほしい。"}, page)
    assert response.status_code == 400
    assert "審査 花子さんがこの提出を担当しています" in response.get_data(as_text=True)
    queue = client.get("/moderation/queue").get_data(as_text=True)
    assert "審査 花子" in queue
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Opinion)) == 0


def test_acting_on_a_published_period_is_refused_with_a_message(app, client, login_as, make_period,
                                                               make_submission, make_opinion):
    period_id = make_period(published=True)
    opinion_id = make_opinion(submission_id=make_submission(period_id))
    client, _ = login_as("moderator")
    page = f"/moderation/opinions/{opinion_id}"
    response = post(client, f"{page}/decide", {"decide-decision": "accepted"}, f"/moderation/periods/{period_id}/opinions")
    assert response.status_code == 400
    assert "結果を公表済み" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Opinion, opinion_id).state == "pending"


def test_bulk_group_and_withhold_from_the_opinion_list(app, client, login_as, make_period, make_submission,
                                                      make_opinion):
    period_id = make_period()
    ids = [make_opinion(submission_id=make_submission(period_id, text), state="accepted")
           for text in ("センターの開館時間を延ばしてほしい。", "センターを夜も開けてほしい。")]
    advert = make_opinion(submission_id=make_submission(period_id, "格安リフォーム販売中！"))
    client, _ = login_as("moderator")
    page = f"/moderation/periods/{period_id}/opinions"
    response = post(client, page, {"opinion_ids": [str(i) for i in ids], "action": "group", "title": "開館時間の延長"})
    assert response.status_code == 303
    response = post(client, page, {"opinion_ids": [str(advert)], "action": "withhold", "withhold_reason": "advertising"})
    assert response.status_code == 303
    response = post(client, page, {"opinion_ids": [], "action": "tag"})
    assert response.status_code == 400 and "意見を1件以上選んでください" in response.get_data(as_text=True)
    with app.app_context():
        group = db.session.scalars(select(OpinionGroup)).one()
        assert sorted(o.id for o in group.opinions) == sorted(ids)
        assert db.session.get(Opinion, advert).withhold_reason == "advertising"
    html = client.get(page).get_data(as_text=True)
    assert "開館時間の延長" in html and "1件のグループを見る" in html
    html = client.get(f"/moderation/periods/{period_id}/groups").get_data(as_text=True)
    assert "開館時間の延長" in html and "同様の意見 2件" in html


def test_staff_manage_tags_through_the_page(app, client, login_as, make_period):
    period_id = make_period()
    client, _ = login_as("staff")
    page = f"/staff/periods/{period_id}/tags"
    assert post(client, page, {"name": "交通"}).status_code == 303
    response = post(client, page, {"name": "交通"})
    assert response.status_code == 400 and "同じ名前のタグ" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tag)) == 1


def test_a_bulk_selection_naming_an_id_past_the_database_range_is_refused_with_a_message(
        app, client, login_as, make_period, make_submission, make_opinion):
    period_id = make_period()
    opinion_id = make_opinion(submission_id=make_submission(period_id))
    client, _ = login_as("moderator")
    page = f"/moderation/periods/{period_id}/opinions"
    for too_big in (2**31, 10**20):
        response = post(client, page, {"opinion_ids": [str(opinion_id), str(too_big)], "action": "accept"})
        assert response.status_code == 400
        assert "すべて同じ意見募集の意見を選んでください" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Opinion, opinion_id).state == "pending"


def test_grouping_refusal_names_the_opinion_with_its_own_answer_once_and_links_nowhere(
        app, client, login_as, make_period, make_submission, make_opinion):
    from app.responses.models import Response

    period_id = make_period()
    answered_sub = make_submission(period_id, "センターの開館時間を延ばしてほしい。")
    ids = [make_opinion(submission_id=answered_sub, state="accepted"),
           make_opinion(submission_id=make_submission(period_id, "センターを夜も開けてほしい。"), state="accepted")]
    with app.app_context():
        db.session.add(Response(period_id=period_id, opinion_id=ids[0], body="検討します。"))
        db.session.get(Opinion, ids[0]).position = 2
        db.session.commit()
        receipt = db.session.get(Submission, answered_sub).receipt_no
    client, _ = login_as("moderator")
    page = f"/moderation/periods/{period_id}/opinions"
    response = post(client, page, {"opinion_ids": [str(i) for i in ids], "action": "group", "title": "開館時間"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    message = f"提出 {receipt} の意見2（「センターの開館時間を延ばしてほしい。」）には、すでに個別の市の考え方が作成されている"
    assert html.count(message) == 1
    assert 'href="#"' not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OpinionGroup)) == 0
