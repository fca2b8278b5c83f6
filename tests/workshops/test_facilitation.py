"""The facilitator's day: check-in, walk-ins, groups, notes that survive resends, and who may do what."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.workshops.models import Registration, Workshop, WorkshopGroup, WorkshopNote
from tests.conftest import csrf_token


@pytest.fixture
def facilitator_day(app, login_as, make_workshop, sign_up):
    """A logged-in facilitator assigned to one workshop with two confirmed and one waitlisted person."""

    def build(**overrides):
        client, user_id = login_as("facilitator", department="")
        workshop_id = make_workshop(facilitators=[user_id], capacity=2, **overrides)
        confirmed = [sign_up(workshop_id, name=f"出席者{n}")[0] for n in range(2)]
        waiting, _ = sign_up(workshop_id, name="待機者")
        return client, user_id, workshop_id, confirmed, waiting

    return build


def token(client, workshop_id):
    return csrf_token(client, f"/facilitate/workshops/{workshop_id}")


def code_of(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).checkin_code


def attended(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).attended_at is not None


def add_group(app, workshop_id, name="Aグループ"):
    with app.app_context():
        group = WorkshopGroup(workshop_id=workshop_id, name=name)
        db.session.add(group)
        db.session.commit()
        return group.id


def note_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(WorkshopNote))


def test_check_in_from_the_list_and_by_code(app, facilitator_day):
    client, _, workshop_id, (first, second), _ = facilitator_day()
    csrf = token(client, workshop_id)
    response = client.post(f"/facilitate/workshops/{workshop_id}/registrations/{first}/check-in",
                           data={"csrf_token": csrf})
    assert response.status_code == 303 and attended(app, first)
    code = code_of(app, second)
    spaced = f" {code[:3].lower()}-{code[3:]} "  # typed on a tablet: lower case, a hyphen, spaces
    response = client.post(f"/facilitate/workshops/{workshop_id}/check-in", data={"csrf_token": csrf, "code": spaced})
    assert response.status_code == 303 and attended(app, second)


def test_check_in_code_from_another_workshop_is_refused(app, facilitator_day, make_workshop, sign_up, snapshot):
    client, user_id, workshop_id, _, _ = facilitator_day()
    other_id = make_workshop(facilitators=[user_id])
    stranger, _ = sign_up(other_id)
    before = snapshot(workshop_id)
    response = client.post(f"/facilitate/workshops/{workshop_id}/check-in",
                           data={"csrf_token": token(client, workshop_id), "code": code_of(app, stranger)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="code-error"' in html and "その受付コードは別のワークショップのものです。" in html
    assert snapshot(workshop_id) == before and not attended(app, stranger)


def test_waitlisted_person_cannot_be_checked_in(app, facilitator_day):
    client, _, workshop_id, _, waiting = facilitator_day()
    response = client.post(f"/facilitate/workshops/{workshop_id}/check-in",
                           data={"csrf_token": token(client, workshop_id), "code": code_of(app, waiting)})
    assert "キャンセル待ちで、参加は確定していません" in response.get_data(as_text=True)
    assert not attended(app, waiting)


def test_walk_in_is_added_present_on_the_spot(app, facilitator_day):
    client, _, workshop_id, _, _ = facilitator_day()
    response = client.post(f"/facilitate/workshops/{workshop_id}/walk-ins",
                           data={"csrf_token": token(client, workshop_id), "name": "", "attribute": "active",
                                 "party_size": "2"})
    assert response.status_code == 303
    with app.app_context():
        walk_in = db.session.scalars(select(Registration).where(Registration.walk_in.is_(True))).one()
        assert walk_in.status == "confirmed" and walk_in.attended_at is not None and walk_in.party_size == 2


def test_groups_are_made_and_people_seated(app, facilitator_day):
    client, _, workshop_id, (first, second), _ = facilitator_day()
    csrf = token(client, workshop_id)
    for person in (first, second):
        client.post(f"/facilitate/workshops/{workshop_id}/registrations/{person}/check-in", data={"csrf_token": csrf})
    client.post(f"/facilitate/workshops/{workshop_id}/groups", data={"csrf_token": csrf, "name": "Aグループ"})
    duplicate = client.post(f"/facilitate/workshops/{workshop_id}/groups", data={"csrf_token": csrf, "name": "Aグループ"})
    assert "同じ名前のグループがすでにあります。" in duplicate.get_data(as_text=True)
    with app.app_context():
        group_id = db.session.scalars(select(WorkshopGroup.id)).one()
    response = client.post(f"/facilitate/workshops/{workshop_id}/groups/assign",
                           data={"csrf_token": csrf, f"group-{first}": str(group_id), f"group-{second}": ""})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Registration, first).group_id == group_id
        assert db.session.get(Registration, second).group_id is None


def test_seating_someone_of_another_workshop_is_refused(app, facilitator_day, make_workshop, sign_up, snapshot):
    client, user_id, workshop_id, (first, _), _ = facilitator_day()
    group_id = add_group(app, workshop_id)
    stranger, _ = sign_up(make_workshop(facilitators=[user_id]))
    before = snapshot(workshop_id)
    response = client.post(f"/facilitate/workshops/{workshop_id}/groups/assign",
                           data={"csrf_token": token(client, workshop_id), f"group-{first}": str(group_id),
                                 f"group-{stranger}": str(group_id)}, follow_redirects=True)
    assert "その参加者は、このワークショップの申込者ではありません。" in response.get_data(as_text=True)
    assert snapshot(workshop_id) == before


def test_seating_with_an_id_past_the_database_integer_is_refused(app, facilitator_day, snapshot):
    client, _, workshop_id, (first, _), _ = facilitator_day()
    group_id = add_group(app, workshop_id)
    before = snapshot(workshop_id)
    for data in ({f"group-{2**31}": str(group_id)}, {f"group-{first}": str(2**31)}):
        response = client.post(f"/facilitate/workshops/{workshop_id}/groups/assign",
                               data={"csrf_token": token(client, workshop_id), **data})
        assert response.status_code == 400
    assert snapshot(workshop_id) == before


def test_notes_are_saved_one_by_one_and_a_resend_is_not_a_duplicate(app, facilitator_day):
    client, _, workshop_id, _, _ = facilitator_day()
    group_id = add_group(app, workshop_id)
    path = f"/facilitate/workshops/{workshop_id}/groups/{group_id}"
    page = client.get(path).get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": token(client, workshop_id), "kind": "アイデア", "text": "若者向けのお試し参加デー",
            "client_key": key}
    response = client.post(f"{path}/notes", data=data)
    assert response.status_code == 303 and "kind=" in response.headers["Location"]
    again = client.post(f"{path}/notes", data=data)  # the connection dropped before the answer arrived
    assert again.status_code == 303
    assert note_count(app) == 1
    # The page works without JavaScript: the next note has a fresh key and keeps the chosen kind.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "若者向けのお試し参加デー" in page and key not in page
    assert re.search(r'<option selected value="アイデア">|<option value="アイデア" selected>', page)


def test_note_sent_in_the_background_gets_its_html_back(app, facilitator_day):
    client, _, workshop_id, _, _ = facilitator_day()
    group_id = add_group(app, workshop_id)
    response = client.post(f"/facilitate/workshops/{workshop_id}/groups/{group_id}/notes",
                           data={"csrf_token": token(client, workshop_id), "kind": "提案", "text": "夜の相談会",
                                 "client_key": "abc123"}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json["ok"] and "夜の相談会" in response.json["html"]
    refused = client.post(f"/facilitate/workshops/{workshop_id}/groups/{group_id}/notes",
                          data={"csrf_token": token(client, workshop_id), "kind": "提案", "text": "x" * 1001,
                                "client_key": "abc124"}, headers={"Accept": "application/json"})
    assert refused.status_code == 400 and refused.json["errors"]
    assert note_count(app) == 1


def test_note_on_a_group_of_another_workshop_is_refused(app, facilitator_day, make_workshop):
    client, user_id, workshop_id, _, _ = facilitator_day()
    other_group = add_group(app, make_workshop(facilitators=[user_id]), name="他会場")
    response = client.post(f"/facilitate/workshops/{workshop_id}/groups/{other_group}/notes",
                           data={"csrf_token": token(client, workshop_id), "kind": "提案", "text": "紛れ込んだ付箋",
                                 "client_key": "k1"}, follow_redirects=True)
    assert "そのグループは別のワークショップのものです。" in response.get_data(as_text=True)
    assert note_count(app) == 0


def test_note_kind_must_be_one_of_the_workshops_kinds(app, facilitator_day):
    client, _, workshop_id, _, _ = facilitator_day(note_kinds=["課題", "アイデア"])
    group_id = add_group(app, workshop_id)
    response = client.post(f"/facilitate/workshops/{workshop_id}/groups/{group_id}/notes",
                           data={"csrf_token": token(client, workshop_id), "kind": "提案", "text": "t",
                                 "client_key": "k"})
    assert response.status_code == 400 and "種類を一覧から選択してください。" in response.get_data(as_text=True)
    assert note_count(app) == 0


def test_votes_are_set_and_out_of_range_votes_refused(app, facilitator_day):
    client, user_id, workshop_id, _, _ = facilitator_day()
    group_id = add_group(app, workshop_id)
    with app.app_context():
        note = WorkshopNote(group_id=group_id, kind="提案", text="t", client_key="k", created_by_id=user_id)
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    path = f"/facilitate/workshops/{workshop_id}/groups/{group_id}/notes/{note_id}/votes"
    saved = client.post(path, data={"csrf_token": token(client, workshop_id), "votes": "7"}, follow_redirects=True)
    assert "投票数を保存しました。" in saved.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": token(client, workshop_id), "votes": "-1"}, follow_redirects=True)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # Said at the note's own votes, with what was typed kept, and nothing said to be saved.
    assert re.search(rf'id="note-{note_id}-votes-error"[^>]*>0から999までの数字を入力してください。 投票数は変更していません。', html)
    assert 'value="-1"' in html and 'aria-invalid="true"' in html
    assert "投票数を保存しました" not in html
    with app.app_context():
        assert db.session.get(WorkshopNote, note_id).votes == 7


def test_facilitator_of_one_workshop_cannot_touch_another(app, facilitator_day, make_workshop, sign_up, snapshot):
    client, _, workshop_id, _, _ = facilitator_day()
    other_id = make_workshop()  # not assigned to this facilitator
    other_person, _ = sign_up(other_id)
    other_group = add_group(app, other_id)
    before = snapshot(other_id)
    csrf = token(client, workshop_id)
    assert client.get(f"/facilitate/workshops/{other_id}").status_code == 403
    assert client.post(f"/facilitate/workshops/{other_id}/registrations/{other_person}/check-in",
                       data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/facilitate/workshops/{other_id}/groups/{other_group}/notes",
                       data={"csrf_token": csrf, "kind": "提案", "text": "t", "client_key": "k"}).status_code == 403
    assert client.post(f"/facilitate/workshops/{other_id}/summary",
                       data={"csrf_token": csrf, "summary": "書き換え"}).status_code == 403
    assert snapshot(other_id) == before and note_count(app) == 0
    # Nor may they reach the staff pages of their own workshop.
    assert client.get(f"/staff/workshops/{workshop_id}").status_code == 403


def test_summary_is_saved_by_the_facilitator(app, facilitator_day):
    client, _, workshop_id, _, _ = facilitator_day()
    client.post(f"/facilitate/workshops/{workshop_id}/summary",
                data={"csrf_token": token(client, workshop_id), "summary": "## まとめ\n担い手づくりが中心でした。"})
    with app.app_context():
        assert "担い手づくり" in db.session.get(Workshop, workshop_id).summary


def test_attendance_warns_when_today_is_not_the_workshop_day(app, facilitator_day):
    client, _, workshop_id, confirmed, _ = facilitator_day()  # the factory's workshop is 14 days away
    page = client.get(f"/facilitate/workshops/{workshop_id}").get_data(as_text=True)
    assert "今日はワークショップの当日ではありません（14日後です）" in page
    response = client.post(f"/facilitate/workshops/{workshop_id}/registrations/{confirmed[0]}/check-in",
                           data={"csrf_token": token(client, workshop_id)}, follow_redirects=True)
    assert "14日後です。誤りであれば受付を取り消してください" in response.get_data(as_text=True)


def test_attendance_on_the_day_has_no_warning(app, facilitator_day, monkeypatch):
    from app.core.timeutil import to_jst
    from app.workshops import day_views

    client, _, workshop_id, _, _ = facilitator_day()
    with app.app_context():
        day = to_jst(db.session.get(Workshop, workshop_id).starts_at).date()
    monkeypatch.setattr(day_views, "jst_today", lambda: day)
    page = client.get(f"/facilitate/workshops/{workshop_id}").get_data(as_text=True)
    assert "当日ではありません" not in page and "開催日を過ぎています" not in page



def test_english_workshop_page_counts_one_person_and_one_seat_in_the_singular(client, make_workshop):
    """「1 people (1 seats left)」 read wrong to English readers: counts go through ngettext."""
    workshop_id = make_workshop(capacity=1)
    client.get("/language", query_string={"lang": "en"})
    page = client.get(f"/workshops/{workshop_id}").get_data(as_text=True)
    assert "1 person" in page and "1 seat left" in page
    assert "1 people" not in page and "1 seats" not in page
