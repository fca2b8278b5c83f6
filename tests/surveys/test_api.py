"""The open-data API of surveys: published ones only, the result only once published, suppression
applied, and nothing of a single answer."""

import jsonschema_rs

from app.api.openapi import openapi_document
from app.extensions import db
from app.surveys import services
from app.surveys.models import Survey
from tests.surveys.conftest import CODES, answers, web_send


def _schema(ctx_app, name):
    with ctx_app.test_request_context():
        document = openapi_document()
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


def test_survey_result_in_the_api_suppresses_small_counts(app, client, make_survey):
    survey_id = make_survey()
    assert client.get(f"/api/v1/surveys/{survey_id}/result").status_code == 404  # not published yet
    for code in CODES[:2]:
        assert web_send(app.test_client(), survey_id, answers(app, survey_id), code=code).status_code == 303
    with app.test_request_context():
        survey = db.session.get(Survey, survey_id)
        survey.closes_at = survey.opens_at
        services.set_report(survey, notes="", question_ids={q.id for q in survey.questions}, publish=True, actor=None)
        db.session.commit()
    listing = client.get("/api/v1/surveys").get_json()
    assert [item["id"] for item in listing["data"]] == [survey_id]
    jsonschema_rs.validate(_schema(app, "SurveyList"), listing)
    detail = client.get(f"/api/v1/surveys/{survey_id}").get_json()
    jsonschema_rs.validate(_schema(app, "Survey"), detail)
    assert detail["questions"][1]["shown_if"] == {"question": 1, "choice": 1}
    result = client.get(f"/api/v1/surveys/{survey_id}/result")
    body = result.get_json()
    jsonschema_rs.validate(_schema(app, "SurveyResult"), body)
    first = body["questions"][0]
    assert first["base"] == 2 and first["answers"][0] == {"label": first["answers"][0]["label"], "count": None,
                                                          "percent": None}
    assert first["answers"][1]["count"] == 0
    assert body["table1"]["columns"][0]["cells"][3] == "2（20.0％）"
    text = result.get_data(as_text=True)
    assert "よろしくお願いします" not in text and "文化" not in text  # no free text, no その他 text


def test_draft_surveys_are_not_in_the_api(app, client, make_survey):
    survey_id = make_survey()
    with app.app_context():
        db.session.get(Survey, survey_id).status = "draft"
        db.session.commit()
    assert client.get("/api/v1/surveys").get_json()["data"] == []
    assert client.get(f"/api/v1/surveys/{survey_id}").status_code == 404


def test_a_published_survey_report_is_in_the_results_feed(app, client, make_survey):
    survey_id = make_survey()
    assert f"/surveys/{survey_id}/report" not in client.get("/feeds/results.atom").get_data(as_text=True)
    with app.test_request_context():
        survey = db.session.get(Survey, survey_id)
        survey.closes_at = survey.opens_at
        services.set_report(survey, notes="", question_ids=set(), publish=True, actor=None)
        db.session.commit()
    feed = client.get("/feeds/results.atom").get_data(as_text=True)
    assert f"/surveys/{survey_id}/report" in feed and f"/api/v1/surveys/{survey_id}/result" in feed
