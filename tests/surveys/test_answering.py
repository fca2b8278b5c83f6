"""Answering by web and on paper: one code answers once, closed surveys refuse, skip logic and the
validity rule, and nothing in the database links an answer to its code."""

from sqlalchemy import inspect, select

from app.extensions import db
from app.surveys.models import AnswerCode, AnswerItem, SurveyAnswer
from tests.surveys.conftest import CODES, answers, paper_send, question_ids, web_send


def _answers(app, survey_id):
    with app.app_context():
        return db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id)).all()


def test_web_answer_goes_through_confirmation_and_keeps_the_group_not_the_code(app, client, make_survey):
    survey_id = make_survey()
    response = web_send(client, survey_id, answers(app, survey_id), code=CODES[0].lower().replace("-", " "))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert "/thanks" in response.headers["Location"]
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for answering" in thanks or "ご回答ありがとうございました" in thanks
    [answer] = _answers(app, survey_id)
    assert answer.channel == "web" and answer.group_id is not None and answer.answered == 6
    with app.app_context():
        items = db.session.scalars(select(AnswerItem).where(AnswerItem.answer_id == answer.id)).all()
        other = [item for item in items if item.text == "文化"]
        assert other and other[0].choice == 4


def test_code_used_on_the_web_is_refused_on_paper(app, client, make_survey, login_as):
    survey_id = make_survey()
    assert web_send(app.test_client(), survey_id, answers(app, survey_id), code=CODES[0]).status_code == 303
    staff, _ = login_as("staff")
    q = question_ids(app, survey_id)
    response = paper_send(staff, survey_id, {f"p{q[0]}": "2", f"p{q[2]}": "3"}, code=CODES[0])
    assert response.status_code == 400
    assert "すでに使われています" in response.get_data(as_text=True)
    assert len(_answers(app, survey_id)) == 1


def test_code_keyed_from_paper_is_refused_on_the_web(app, client, make_survey, login_as):
    survey_id = make_survey()
    staff, _ = login_as("staff")
    q = question_ids(app, survey_id)
    response = paper_send(staff, survey_id, {f"p{q[0]}": "1", f"p{q[1]}": "1 3", f"p{q[3]}": "3-"}, code=CODES[1])
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    refused = web_send(app.test_client(), survey_id, answers(app, survey_id), code=CODES[1])
    assert refused.status_code == 409
    assert "すでに使われています" in refused.get_data(as_text=True)
    [answer] = _answers(app, survey_id)
    assert answer.channel == "paper" and answer.answered == 3


def test_unknown_code_and_missing_code_are_refused(app, client, make_survey):
    survey_id = make_survey()
    assert "この調査のものではありません" in web_send(client, survey_id, answers(app, survey_id),
                                                code="ZZZZ-ZZZZ-ZZZZ").get_data(as_text=True)
    assert web_send(client, survey_id, answers(app, survey_id), code="").status_code == 400
    assert _answers(app, survey_id) == []


def test_closed_survey_refuses_web_answers(app, client, make_survey):
    survey_id = make_survey(open_=False)
    assert "この調査は終了しました" in client.get(f"/surveys/{survey_id}/answer").get_data(as_text=True)
    response = web_send(client, survey_id, answers(app, survey_id), code=CODES[0])
    assert response.status_code == 409
    assert _answers(app, survey_id) == []
    with app.app_context():
        assert not any(db.session.scalars(select(AnswerCode.used)))


def test_skip_logic_drops_answers_to_hidden_questions(app, client, make_survey):
    survey_id = make_survey()
    q = question_ids(app, survey_id)
    data = answers(app, survey_id, yes=False, fields={f"q{q[1]}": ["2"]})  # answered although hidden
    assert web_send(client, survey_id, data, code=CODES[0]).status_code == 303
    [answer] = _answers(app, survey_id)
    with app.app_context():
        asked = {item.question_id for item in db.session.scalars(select(AnswerItem)
                                                                  .where(AnswerItem.answer_id == answer.id))}
    assert q[1] not in asked and q[0] in asked


def test_required_question_and_too_many_choices_are_refused_with_words(app, client, make_survey):
    survey_id = make_survey()
    q = question_ids(app, survey_id)
    data = answers(app, survey_id, fields={f"q{q[0]}": "", f"q{q[1]}": ["1", "2", "3"]})
    response = web_send(client, survey_id, data, code=CODES[0])
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "この設問に回答してください" in html
    data = answers(app, survey_id, fields={f"q{q[1]}": ["1", "2", "3"]})
    assert "選べる数を超えています" in web_send(client, survey_id, data, code=CODES[0]).get_data(as_text=True)
    assert _answers(app, survey_id) == []


def test_an_answer_row_has_no_column_that_could_hold_a_code(app):
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("survey_answers")}
        code_columns = {column["name"] for column in inspect(db.engine).get_columns("survey_codes")}
    assert columns == {"id", "survey_id", "group_id", "channel", "answered", "created_at"}
    assert code_columns == {"id", "survey_id", "group_id", "code_hash", "used"}


def test_codes_are_stored_only_as_keyed_hashes(app, make_survey):
    survey_id = make_survey()
    with app.app_context():
        hashes = db.session.scalars(select(AnswerCode.code_hash).where(AnswerCode.survey_id == survey_id)).all()
    import hashlib

    assert len(hashes) == len(CODES)
    for code in CODES:
        bare = code.replace("-", "")
        assert bare not in "".join(hashes)
        assert hashlib.sha256(bare.encode()).hexdigest() not in hashes


def test_open_survey_without_codes_says_it_is_not_a_sample(app, client, make_survey):
    survey_id = make_survey(uses_codes=False, codes=())
    html = client.get(f"/surveys/{survey_id}/answer").get_data(as_text=True)
    assert "標本ではありません" in html
    assert web_send(client, survey_id, answers(app, survey_id)).status_code == 303
    assert len(_answers(app, survey_id)) == 1
