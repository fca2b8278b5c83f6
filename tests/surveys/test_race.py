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


@pytest.mark.services
def test_the_row_stamp_shared_by_a_used_code_and_its_answer_is_blurred(app, committing_db, make_survey):
    """On PostgreSQL the code's UPDATE and the answer's INSERT carry one xmin; the recurring job
    rewrites the used codes together so that no answer's stamp points at its code."""
    from sqlalchemy import text

    from app.surveys.tasks import blur_code_writes

    survey_id = make_survey()
    barrier = threading.Barrier(1)
    assert _send(app, survey_id, "web", barrier) == "kept"
    linked = text("SELECT count(*) FROM survey_codes c JOIN survey_answers a ON a.xmin = c.xmin "
                  "WHERE c.used")
    with app.app_context():
        assert db.session.scalar(linked) == 1  # what the job is for
        assert blur_code_writes() == 1
        db.session.commit()
        assert db.session.scalar(linked) == 0
