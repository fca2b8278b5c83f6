"""The report's keyword digest and the staff review of flagged free-text answers: no WCAG 2 A/AA
violation, in Japanese and English, on a phone and a desktop."""

import pytest

from app.extensions import db
from app.surveys import services, tasks
from app.surveys.models import Survey
from tests.browser.conftest import browser_login, submit
from tests.surveys.conftest import answers, make_survey, question_ids, web_send  # noqa: F401  (the shared fixture)

TEXTS = ("公園の遊具を新しくしてほしい", "公園をもっと明るくしてほしい", "駅前の公園に花を植えてほしい",
         "公園の件で電話ください 090-1234-5678")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_keyword_digest_and_text_review_pass_axe(app, page, live_server, make_survey, make_user, axe_check,  # noqa: F811
                                                 switch_language, lang, tmp_path):
    survey_id = make_survey(codes=(), uses_codes=False, small_cell=3)
    client = app.test_client()
    q = question_ids(app, survey_id)
    for text in TEXTS:
        assert web_send(client, survey_id, answers(app, survey_id, fields={f"q{q[5]}": text})).status_code == 303
    with app.test_request_context():
        tasks.screen_survey_texts(survey_id)
        survey = db.session.get(Survey, survey_id)
        survey.closes_at = survey.opens_at
        services.set_report(survey, notes="", question_ids={q.id for q in survey.questions}, publish=True, actor=None)
        db.session.commit()
    for size in ({"width": 375, "height": 740}, {"width": 1280, "height": 900}):
        page.set_viewport_size(size)
        page.goto(f"{live_server}/surveys/{survey_id}/report")
        if lang == "en":
            switch_language(page, "en")
        assert page.locator(".survey-keywords table").count() == 2 and "090" not in page.content()
        axe_check(page)
        page.screenshot(path=str(tmp_path / f"report-{lang}-{size['width']}.png"), full_page=True)
    make_user("staff", email="survey-staff@example.jp", department="まちづくり政策課")
    browser_login(page, live_server, "survey-staff@example.jp")
    page.goto(f"{live_server}/staff/surveys/{survey_id}/texts")
    assert page.locator("mark.pii").count() == 1
    axe_check(page)
    submit(page, "main li.text-review button[name=withhold]")  # without a reason: refused beside the field
    assert page.locator("[aria-invalid=true]").count() == 1
    axe_check(page)
    page.screenshot(path=str(tmp_path / f"texts-{lang}.png"), full_page=True)
