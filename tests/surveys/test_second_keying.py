"""Second keying of paper forms: a form counts only when keyed twice the same way; differences are
shown question by question and settled by staff; the code's hash leaves with the keyings."""

from sqlalchemy import select

from app.extensions import db
from app.surveys.answering import code_hash
from app.surveys.models import AnswerCode, AnswerItem, Keying, Survey, SurveyAnswer
from tests.conftest import csrf_token, login
from tests.surveys.conftest import CODES, answers, paper_send, question_ids, web_send


def _switch_on(app, client, survey_id):
    token = csrf_token(client, f"/staff/surveys/{survey_id}/paper")
    response = client.post(f"/staff/surveys/{survey_id}/paper/second-keying/on", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Survey, survey_id).second_keying is True


def _second_staff(app, make_user):
    """Another member of the same department, in a browser of their own."""
    from app.accounts.models import User

    user_id = make_user("staff", department="まちづくり政策課")
    with app.app_context():
        email = db.session.get(User, user_id).email
    client = app.test_client()
    assert login(client, email).status_code == 303
    return client


def _rows(app, model, survey_id):
    with app.app_context():
        return db.session.scalars(select(model).where(model.survey_id == survey_id)).all()


def test_first_keying_waits_and_a_matching_second_keying_counts_the_answer(app, make_survey, login_as):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    _switch_on(app, staff, survey_id)
    q = question_ids(app, survey_id)
    typed = {f"p{q[0]}": "1", f"p{q[1]}": "1 3", f"p{q[2]}": "4", f"p{q[3]}": "2-"}
    first = paper_send(staff, survey_id, typed, code=CODES[0])
    assert first.status_code == 303
    assert "1回目の入力を保存しました" in staff.get(first.headers["Location"]).get_data(as_text=True)
    assert _rows(app, SurveyAnswer, survey_id) == []
    [pending] = _rows(app, Keying, survey_id)
    with app.app_context():
        assert pending.form_key == "h:" + code_hash(CODES[0])
    listed = staff.get(f"/staff/surveys/{survey_id}/paper/keyings").get_data(as_text=True)
    assert f"#{pending.id}" in listed and "2回目の入力待ち" in listed

    second = paper_send(staff, survey_id, {**typed, f"p{q[1]}": "3、1"}, code=CODES[0].lower())  # same, typed otherwise
    assert second.status_code == 303
    assert "2回の入力が一致" in staff.get(second.headers["Location"]).get_data(as_text=True)
    [answer] = _rows(app, SurveyAnswer, survey_id)
    assert answer.channel == "paper" and answer.answered == 4
    assert _rows(app, Keying, survey_id) == []  # the code's hash went with the keyings
    with app.app_context():
        code = db.session.scalar(select(AnswerCode).where(AnswerCode.code_hash == code_hash(CODES[0])))
        assert code.used is True


def test_a_first_keying_already_refuses_the_code_on_the_web(app, make_survey, login_as):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    _switch_on(app, staff, survey_id)
    q = question_ids(app, survey_id)
    assert paper_send(staff, survey_id, {f"p{q[0]}": "2"}, code=CODES[1]).status_code == 303
    refused = web_send(app.test_client(), survey_id, answers(app, survey_id), code=CODES[1])
    assert refused.status_code == 409 and "すでに使われています" in refused.get_data(as_text=True)
    assert _rows(app, SurveyAnswer, survey_id) == []


def test_differing_keyings_are_listed_compared_and_settled_by_choosing_or_rekeying(app, make_survey, login_as,
                                                                                    make_user):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    _switch_on(app, staff, survey_id)
    q = question_ids(app, survey_id)
    assert paper_send(staff, survey_id, {f"p{q[0]}": "2", f"p{q[2]}": "4", f"p{q[4]}": "42"},
                      code=CODES[2]).status_code == 303
    other = _second_staff(app, make_user)
    differs = paper_send(other, survey_id, {f"p{q[0]}": "2", f"p{q[2]}": "5", f"p{q[4]}": "24"}, code=CODES[2])
    assert differs.status_code == 303
    assert "2回の入力が異なります" in other.get(differs.headers["Location"]).get_data(as_text=True)
    assert _rows(app, SurveyAnswer, survey_id) == []
    first = min(keying.id for keying in _rows(app, Keying, survey_id))

    # A third keying of the same form is refused: the pair must be settled first.
    third = paper_send(staff, survey_id, {f"p{q[0]}": "2"}, code=CODES[2])
    assert third.status_code == 400 and "2回入力されていて" in third.get_data(as_text=True)

    page = staff.get(f"/staff/surveys/{survey_id}/paper/keyings/{first}").get_data(as_text=True)
    assert f'name="pick-q{q[2]}"' in page and f'name="pick-q{q[4]}"' in page
    assert f'name="pick-q{q[0]}"' not in page  # the question both read alike is not asked about
    token = csrf_token(staff, f"/staff/surveys/{survey_id}/paper/keyings/{first}")
    url = f"/staff/surveys/{survey_id}/paper/keyings/{first}"
    missing = staff.post(url, data={"csrf_token": token, f"pick-q{q[2]}": "2"})
    assert missing.status_code == 400 and "1回目か2回目の入力を選ぶ" in missing.get_data(as_text=True)
    bad = staff.post(url, data={"csrf_token": token, f"pick-q{q[2]}": "2", f"pick-q{q[4]}": "new",
                                f"p{q[4]}": "四十"})
    assert bad.status_code == 400 and "数字を入力" in bad.get_data(as_text=True)
    assert _rows(app, SurveyAnswer, survey_id) == []
    done = staff.post(url, data={"csrf_token": token, f"pick-q{q[2]}": "2", f"pick-q{q[4]}": "new",
                                 f"p{q[4]}": "43"})
    assert done.status_code == 303
    [answer] = _rows(app, SurveyAnswer, survey_id)
    with app.app_context():
        items = {item.question_id: item for item in db.session.scalars(
            select(AnswerItem).where(AnswerItem.answer_id == answer.id))}
        assert items[q[0]].choice == 2 and items[q[2]].choice == 5 and items[q[4]].number == 43
    assert _rows(app, Keying, survey_id) == []
    assert staff.get(url).status_code == 404


def test_without_codes_a_form_number_pairs_the_keyings_and_the_group_is_compared(app, make_survey, login_as):
    survey_id = make_survey(uses_codes=False, codes=())
    staff, _ = login_as("staff")
    _switch_on(app, staff, survey_id)
    q = question_ids(app, survey_id)
    with app.app_context():
        citizens, groups = (group.id for group in db.session.get(Survey, survey_id).groups)
    token = csrf_token(staff, f"/staff/surveys/{survey_id}/paper")
    no_number = staff.post(f"/staff/surveys/{survey_id}/paper", data={
        "csrf_token": token, "group": citizens, f"p{q[0]}": "2"})
    assert no_number.status_code == 400 and "用紙番号を入力" in no_number.get_data(as_text=True)
    for group in (citizens, groups):
        response = staff.post(f"/staff/surveys/{survey_id}/paper", data={
            "csrf_token": token, "number": "１２", "group": group, f"p{q[0]}": "2"})
        assert response.status_code == 303
    keyings = _rows(app, Keying, survey_id)
    assert [keying.form_key for keying in keyings] == ["n:12", "n:12"]
    url = f"/staff/surveys/{survey_id}/paper/keyings/{keyings[0].id}"
    assert "pick-group" in staff.get(url).get_data(as_text=True)
    assert staff.post(url, data={"csrf_token": token, "pick-group": "2"}).status_code == 303
    [answer] = _rows(app, SurveyAnswer, survey_id)
    assert answer.group_id == groups


def test_with_second_keying_off_a_form_counts_at_once(app, make_survey, login_as):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    q = question_ids(app, survey_id)
    assert paper_send(staff, survey_id, {f"p{q[0]}": "2"}, code=CODES[3]).status_code == 303
    assert len(_rows(app, SurveyAnswer, survey_id)) == 1 and _rows(app, Keying, survey_id) == []


def test_a_group_with_a_keying_waiting_cannot_be_removed(app, make_survey, login_as):
    survey_id = make_survey(uses_codes=False, codes=())
    staff, _ = login_as("staff")
    _switch_on(app, staff, survey_id)
    q = question_ids(app, survey_id)
    with app.app_context():
        group_id = db.session.get(Survey, survey_id).groups[1].id
    token = csrf_token(staff, f"/staff/surveys/{survey_id}/paper")
    assert staff.post(f"/staff/surveys/{survey_id}/paper", data={
        "csrf_token": token, "number": "7", "group": group_id, f"p{q[0]}": "2"}).status_code == 303
    staff.post(f"/staff/surveys/{survey_id}/groups/{group_id}/remove", data={"csrf_token": token})
    with app.app_context():
        assert group_id in [group.id for group in db.session.get(Survey, survey_id).groups]
    assert len(_rows(app, Keying, survey_id)) == 1
