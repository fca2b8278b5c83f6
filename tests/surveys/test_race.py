"""One code sent at the same instant from two places (two web tabs, or web and paper) on PostgreSQL:
exactly one answer is kept and the code is used once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.surveys import answering
from app.surveys.models import AnswerCode, Survey, SurveyAnswer
from app.surveys.services import SurveyError
from tests.surveys.conftest import CODES


def _send(app, survey_id: int, channel: str, barrier: threading.Barrier) -> str:
    with app.test_request_context():
        survey = db.session.get(Survey, survey_id)
        q = survey.questions
        read = answering.read_answers(survey, {f"q{q[0].id}": ["2"], f"q{q[2].id}": ["3"]})
        barrier.wait()
        try:
            answering.keep_answer(survey, read, channel=channel, code=CODES[0])
            db.session.commit()
            return "kept"
        except SurveyError as error:
            db.session.rollback()
            return error.code
        finally:
            db.session.remove()


@pytest.mark.services
@pytest.mark.parametrize("channels", [("web", "web"), ("web", "paper")])
def test_one_code_sent_twice_at_once_keeps_one_answer(app, committing_db, make_survey, channels):
    survey_id = make_survey()
    barrier = threading.Barrier(len(channels))
    with ThreadPoolExecutor(max_workers=len(channels)) as pool:
        outcomes = sorted(pool.map(lambda channel: _send(app, survey_id, channel, barrier), channels))
    assert outcomes == ["code_used", "kept"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyAnswer)) == 1
        assert db.session.scalar(select(func.count()).where(AnswerCode.used.is_(True))) == 1
