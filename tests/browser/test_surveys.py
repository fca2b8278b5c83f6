"""A citizen answers a mailed survey on a phone: form, errors, skip logic, confirmation and thanks, and
the published report, with no WCAG 2 A/AA violations in Japanese or English; staff key a paper form."""

import pytest

from app.extensions import db
from app.surveys import services
from app.surveys.models import Survey
from tests.browser.conftest import browser_login, submit
from tests.surveys.conftest import CODES, make_survey  # noqa: F401  (the shared fixture)

PHONE = {"width": 375, "height": 740}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_citizen_answers_a_survey_on_a_phone(page, live_server, make_survey, axe_check, switch_language,  # noqa: F811
                                             lang):
    survey_id = make_survey()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/surveys/{survey_id}")
    if lang == "en":
        switch_language(page, "en")
    axe_check(page)
    page.goto(f"{live_server}/surveys/{survey_id}/answer#code={CODES[0]}")
    assert page.input_value("#code") == CODES[0]  # filled from the QR link's fragment
    conditional = page.locator("fieldset[data-show-if]")
    assert conditional.is_hidden()
    axe_check(page)

    submit(page, "main input[name=confirm]")  # Q1 is required
    assert page.locator(".error-summary").is_visible()
    axe_check(page)

    page.check("main input[name^=q][value='1'] >> nth=0")
    assert conditional.is_visible()
    submit(page, "main input[name=confirm]")
    assert page.locator("h1").inner_text() in ("回答内容の確認", "Check your answers")
    axe_check(page)
    submit(page, "main input[name=send]")
    assert "/thanks" in page.url
    axe_check(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_published_report_and_paper_entry_pass_axe(app, page, live_server, make_survey, make_user,  # noqa: F811
                                                   axe_check):
    survey_id = make_survey(codes=(), uses_codes=False)
    with app.test_request_context():
        survey = db.session.get(Survey, survey_id)
        survey.closes_at = survey.opens_at
        services.set_report(survey, notes="注記です。", question_ids={q.id for q in survey.questions}, publish=True,
                            actor=None)
        db.session.commit()
    page.goto(f"{live_server}/surveys/{survey_id}/report")
    assert "表1" in page.content()
    axe_check(page)
    make_user("staff", email="survey-staff@example.jp", department="まちづくり政策課")
    browser_login(page, live_server, "survey-staff@example.jp")
    for path in ("", "/paper", "/results", "/codes", "/preview"):
        page.goto(f"{live_server}/staff/surveys/{survey_id}{path}")
        axe_check(page)
    page.goto(f"{live_server}/staff/surveys/{survey_id}/paper")
    page.select_option("#group", index=1)
    page.keyboard.press("Tab")
    page.keyboard.type("9")  # Q1 has two choices: refused by the field
    submit(page, "main input[name=save]")
    assert page.locator("[aria-invalid=true]").count() == 1
    axe_check(page)
