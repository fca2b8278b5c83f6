"""The workshop digest: notes per group and kind, the top-voted ideas, attendance against sign-ups."""

from app.accounts.models import User
from app.extensions import db
from app.workshops import facilitation
from app.workshops.models import Registration, Workshop
from tests.conftest import login


def test_workshop_digest_counts_notes_votes_and_attendance(app, login_as, make_workshop, sign_up):
    client, staff_id = login_as("staff")
    workshop_id = make_workshop(capacity=2)
    first, _ = sign_up(workshop_id)
    sign_up(workshop_id, party_size=1)
    _, waiting = sign_up(workshop_id)
    assert waiting == "waitlisted"
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        staff = db.session.get(User, staff_id)
        facilitation.check_in(workshop, db.session.get(Registration, first), actor=staff)
        facilitation.add_walk_in(workshop, {"name": "当日 参加", "attribute": "resident", "party_size": 2}, actor=staff)
        east = facilitation.create_group(workshop, "Aテーブル", actor=staff)
        west = facilitation.create_group(workshop, "Bテーブル", actor=staff)
        kinds = workshop.note_kinds
        notes = [(east, kinds[0], "若い人が協議会に来ない", 1), (east, kinds[1], "夜の会議をオンラインで開く", 7),
                 (west, kinds[1], "高校生のボランティア登録制度", 4), (west, kinds[2], "活動報告会を年に一度開く", 0)]
        for index, (group, kind, text, votes) in enumerate(notes):
            note, _ = facilitation.add_note(workshop, group, kind=kind, text=text, client_key=f"key-{index}", actor=staff)
            facilitation.set_note_votes(workshop, group, note, votes, actor=staff)
        db.session.commit()
    html = client.get(f"/workshops/{workshop_id}/digest").get_data(as_text=True)
    # Attendance against sign-ups: 2 confirmed, 1 waiting; 1 checked in plus a walk-in party of 2.
    assert "<th scope=\"row\">申込み（参加確定）</th><td class=\"num\">2</td>" in html
    assert "<th scope=\"row\">キャンセル待ち</th><td class=\"num\">1</td>" in html
    assert "<th scope=\"row\">出席</th><td class=\"num\">3</td>" in html
    assert "<th scope=\"row\">うち当日参加</th><td class=\"num\">2</td>" in html
    # Notes per group and kind, then the ideas in order of votes.
    assert "<th scope=\"row\">Aテーブル</th><td class=\"num\">1</td><td class=\"num\">1</td>" in html
    order = [html.index(text) for text in ("夜の会議をオンラインで開く", "高校生のボランティア登録制度",
                                           "若い人が協議会に来ない", "活動報告会を年に一度開く")]
    assert order == sorted(order)
    assert "7票" in html
    assert "当日 参加" not in html  # names never appear


def test_workshop_digest_is_for_its_staff_and_facilitators(app, login_as, make_user, make_workshop):
    workshop_id = make_workshop()
    client, _ = login_as("facilitator")  # not assigned to this workshop
    assert client.get(f"/workshops/{workshop_id}/digest").status_code == 403
    assert app.test_client().get(f"/workshops/{workshop_id}/digest").status_code == 302
    other = app.test_client()
    with app.app_context():
        email = db.session.get(User, make_user("staff", department="道路河川管理課")).email
    login(other, email)
    assert other.get(f"/workshops/{workshop_id}/digest").status_code == 403
    assert other.get("/workshops/999999/digest").status_code == 404
