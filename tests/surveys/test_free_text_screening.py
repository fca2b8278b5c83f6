"""Free-text answers go through the personal-data screening and keyword digest opinions go through:
what screening flags counts in no public figure (report page, API) until staff release it; a
withheld text never does; in public a word used by fewer than k answers is left out."""

from datetime import timedelta

from sqlalchemy import select

from app.core.models import AuditEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.surveys import services, tasks
from app.surveys.models import Survey
from app.surveys.text_models import TextDigest, TextScreening
from tests.conftest import csrf_token
from tests.surveys.conftest import answers, question_ids, web_send

CLEAR = ("公園の遊具を新しくしてほしい", "公園をもっと明るくしてほしい", "駅前の公園に花を植えてほしい")
FLAGGED = "公園の件で電話ください 090-1234-5678"


def _answered_survey(app, client, make_survey) -> int:
    survey_id = make_survey(uses_codes=False, codes=(), small_cell=3)
    q = question_ids(app, survey_id)
    for text in (*CLEAR, FLAGGED):
        assert web_send(client, survey_id, answers(app, survey_id, fields={f"q{q[5]}": text})).status_code == 303
    return survey_id


def _screen(app, survey_id) -> None:
    with app.app_context():
        tasks.screen_survey_texts(survey_id)
        db.session.commit()


def _publish_report(app, survey_id) -> None:
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        survey.closes_at = utcnow() - timedelta(minutes=1)
        services.set_report(survey, notes="", question_ids={q.id for q in survey.questions}, publish=True, actor=None)
        db.session.commit()


def _api_keywords(client, survey_id, number: int) -> list[dict] | None:
    result = client.get(f"/api/v1/surveys/{survey_id}/result").get_json()
    return next(q for q in result["questions"] if q["number"] == number)["keywords"]


def _review(staff, survey_id, screening_id, **data):
    token = csrf_token(staff, f"/staff/surveys/{survey_id}/texts")
    return staff.post(f"/staff/surveys/{survey_id}/texts",
                      data={"screening_id": screening_id, "csrf_token": token, **data})


def test_flagged_text_counts_nowhere_in_public_until_released_and_not_once_withheld(app, client, make_survey,
                                                                                   login_as, run_jobs):
    survey_id = _answered_survey(app, client, make_survey)
    _screen(app, survey_id)
    with app.app_context():
        rows = db.session.scalars(select(TextScreening).where(TextScreening.survey_id == survey_id)).all()
        flagged = [row for row in rows if row.state == "unreviewed"]
        # Four free-text answers and four その他 texts ("文化"), of which only the phone number is flagged.
        assert len(rows) == 8 and len(flagged) == 1
        assert flagged[0].item.text == FLAGGED and [f["kind"] for f in flagged[0].findings] == ["phone"]
        flagged_id = flagged[0].id
    _publish_report(app, survey_id)

    page = client.get(f"/surveys/{survey_id}/report").get_data(as_text=True)
    assert "公園" in page and "090" not in page and "電話" not in page
    assert "遊具" not in page  # one answer uses it: below k = 3
    assert {"word": "公園", "count": 3} in _api_keywords(client, survey_id, 6)
    assert {"word": "文化", "count": 4} in _api_keywords(client, survey_id, 2)  # その他（文化）

    staff, _ = login_as("staff")
    review = staff.get(f"/staff/surveys/{survey_id}/texts").get_data(as_text=True)
    assert "090-1234-5678" in review and "電話番号" in review  # staff see what was found, named
    refused = _review(staff, survey_id, flagged_id, withhold="1", reason="")
    assert refused.status_code == 422 and "非公開にする理由" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TextScreening, flagged_id).state == "unreviewed"

    assert _review(staff, survey_id, flagged_id, release="1", reason="市の窓口の番号").status_code == 303
    run_jobs()
    assert {"word": "公園", "count": 4} in _api_keywords(client, survey_id, 6)  # the job rebuilt the digest

    assert _review(staff, survey_id, flagged_id, withhold="1", reason="個人の電話番号").status_code == 303
    run_jobs()
    assert {"word": "公園", "count": 3} in _api_keywords(client, survey_id, 6)
    with app.app_context():
        row = db.session.get(TextScreening, flagged_id)
        assert (row.state, row.reason) == ("withheld", "個人の電話番号")
        audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("survey.text_%"))).all()
        assert [a.action for a in audits] == ["survey.text_release", "survey.text_withhold"]
        assert all("090" not in str(a.details) for a in audits)


def test_unscreened_texts_count_in_no_digest_and_staff_see_every_word(app, client, make_survey, login_as):
    survey_id = _answered_survey(app, client, make_survey)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        from app.surveys import screening

        screening.build_digests(survey)  # before any screening: nothing may count
        db.session.commit()
        digest = db.session.scalar(select(TextDigest).where(TextDigest.question_id == survey.questions[5].id))
        assert digest.words == [] and digest.texts == 0
    _screen(app, survey_id)
    staff, _ = login_as("staff")
    page = staff.get(f"/staff/surveys/{survey_id}/texts").get_data(as_text=True)
    assert "遊具" in page  # staff see words below k
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        built = db.session.scalar(select(TextDigest.built_at).where(TextDigest.question_id == survey.questions[5].id))
    _screen(app, survey_id)  # nothing new: the digest is left as it is
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        assert db.session.scalar(select(TextDigest.built_at)
                                 .where(TextDigest.question_id == survey.questions[5].id)) == built


def test_recurring_run_screens_new_answers_of_open_surveys_only(app, client, make_survey):
    survey_id = _answered_survey(app, client, make_survey)
    with app.app_context():
        assert tasks.screen_active_surveys() == 1
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(TextScreening)) == 8
    _publish_report(app, survey_id)
    with app.app_context():
        assert tasks.screen_active_surveys() == 0


def test_export_carries_the_digest_as_the_report_shows_it(app, client, make_survey, login_as, run_jobs, tmp_path):
    from openpyxl import load_workbook

    from app.core.models import JobRun

    survey_id = _answered_survey(app, client, make_survey)
    _screen(app, survey_id)
    staff, _ = login_as("staff")
    response = staff.post(f"/staff/surveys/{survey_id}/export",
                          data={"csrf_token": csrf_token(staff, f"/staff/surveys/{survey_id}/results")})
    assert response.status_code == 303
    run_jobs()
    with app.app_context():
        run = db.session.scalar(select(JobRun).where(JobRun.kind == "survey_export"))
        assert run.state == "done", run.error
    path = tmp_path / "results.xlsx"
    path.write_bytes(staff.get(f"/jobs/runs/{run.id}/files/1").data)
    rows = [[cell.value for cell in row] for row in load_workbook(path)["自由記述キーワード"].iter_rows()]
    assert rows[0] == ["question", "text", "of", "word", "answers"]
    assert ["Q6", "ご意見", None, "公園", 3] in rows and ["Q2", "参加している分野", "その他", "文化", 4] in rows
    assert not any(row[3] in ("遊具", "電話") for row in rows[1:])  # below k, or only in the flagged text
