"""Factories for surveys: a published survey with two groups, every kind of question, and codes."""

from datetime import timedelta

import pytest
from sqlalchemy import insert

from app.core.timeutil import utcnow
from app.extensions import db
from app.surveys import services
from app.surveys.answering import code_hash
from app.surveys.models import AnswerCode, Survey
from app.surveys.services import QuestionData
from tests.conftest import csrf_token

CODES = ("AAAA-BBBB-CCCC", "DDDD-EEEE-FFFF", "GGGG-HHHH-JJJJ", "KKKK-LLLL-MMMM")


@pytest.fixture
def make_survey(app, make_plan, make_user):
    from app.accounts.models import User

    def make(*, open_=True, uses_codes=True, min_answered=2, codes=CODES, small_cell=5):
        plan_id = make_plan()
        with app.app_context():
            from app.plans.models import Plan

            staff = db.session.get(User, make_user("staff", department="まちづくり政策課"))
            now = utcnow()
            opens = now - timedelta(days=1) if open_ else now - timedelta(days=10)
            closes = now + timedelta(days=5) if open_ else now - timedelta(days=2)
            survey = services.create_survey(db.session.get(Plan, plan_id), {
                "title": "市民意識調査", "purpose": "", "method": "郵送法・無記名方式・一部Webでの回答",
                "opens_at": opens, "closes_at": closes, "uses_codes": uses_codes, "min_answered": min_answered,
                "small_cell": small_cell}, actor=staff)
            citizens = services.add_group(survey, label="市民", description="満18歳以上の市民", sampling="random",
                                          distributed=10, actor=staff)
            services.add_group(survey, label="団体", description="登録団体", sampling="census", distributed=4,
                               actor=staff)
            q1 = services.add_question(survey, QuestionData(kind="single", text="市民活動に参加していますか",
                                                            required=True, choices=["はい", "いいえ"]), actor=staff)
            services.add_question(survey, QuestionData(kind="multiple", text="参加している分野", choices=[
                "福祉", "環境", "子育て"], max_choices=2, has_other=True, show_if_id=q1.id, show_if_choice=1),
                actor=staff)
            services.add_question(survey, QuestionData(kind="scale", text="満足度"), actor=staff)
            services.add_question(survey, QuestionData(kind="matrix", text="次のことについて", rows=["情報", "場所"]),
                                  actor=staff)
            services.add_question(survey, QuestionData(kind="number", text="年齢"), actor=staff)
            services.add_question(survey, QuestionData(kind="text", text="ご意見"), actor=staff)
            services.publish_survey(survey, actor=staff)
            if codes:
                db.session.execute(insert(AnswerCode), [
                    {"survey_id": survey.id, "group_id": citizens.id, "code_hash": code_hash(code), "used": False}
                    for code in codes])
            db.session.commit()
            return survey.id

    return make


def question_ids(app, survey_id) -> list[int]:
    with app.app_context():
        return [question.id for question in db.session.get(Survey, survey_id).questions]


def answers(app, survey_id, *, yes=True, fields=None) -> dict:
    """A full answer as the web form sends it."""
    q = question_ids(app, survey_id)
    data = {f"q{q[0]}": "1" if yes else "2", f"q{q[2]}": "4", f"q{q[3]}-r0": "2", f"q{q[3]}-r1": "5",
            f"q{q[4]}": "42", f"q{q[5]}": "よろしくお願いします"}
    if yes:
        data[f"q{q[1]}"] = ["1", "4"]
        data[f"q{q[1]}-other"] = "文化"
    data.update(fields or {})
    return data


def web_send(client, survey_id, data, code=""):
    token = csrf_token(client, f"/surveys/{survey_id}/answer")
    payload = {**data, "code": code, "csrf_token": token}
    confirmed = client.post(f"/surveys/{survey_id}/answer/confirm", data=payload)
    if confirmed.status_code != 200:
        return confirmed
    return client.post(f"/surveys/{survey_id}/answer/send", data=payload)


def paper_send(client, survey_id, typed, code="", group=""):
    token = csrf_token(client, f"/staff/surveys/{survey_id}/paper")
    return client.post(f"/staff/surveys/{survey_id}/paper", data={**typed, "code": code, "group": group,
                                                                   "csrf_token": token})
