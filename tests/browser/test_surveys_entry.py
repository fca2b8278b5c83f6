"""Staff key a returned form twice by keyboard, see the keyings differ, settle them, and import a
data-entry company's file with a bad row: every page without WCAG 2 A/AA violations, ja and en."""

import pytest

from tests.browser.conftest import browser_login, submit
from tests.surveys.conftest import CODES, make_survey  # noqa: F401  (the shared fixture)


def _key(page, live_server, survey_id, code, typed: list[str]):
    page.goto(f"{live_server}/staff/surveys/{survey_id}/paper")
    page.fill("#code", code)
    for value in typed:  # Tab from field to field, as staff work through a stack of forms
        page.keyboard.press("Tab")
        page.keyboard.type(value)
    submit(page, "main input[name=save]")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_second_keying_and_import_pages(page, live_server, make_survey, make_user, axe_check,  # noqa: F811
                                        switch_language, tmp_path, lang):
    survey_id = make_survey()
    make_user("staff", email="keyer@example.jp", department="まちづくり政策課")
    browser_login(page, live_server, "keyer@example.jp")
    page.goto(f"{live_server}/staff/surveys/{survey_id}/paper")
    if lang == "en":
        switch_language(page, "en")
    submit(page, "form.inline button[type=submit]")  # second keying on
    assert page.locator("form.inline button[type=submit]").inner_text() in ("2回入力を無効にする",
                                                                            "Turn second keying off")
    axe_check(page)
    _key(page, live_server, survey_id, CODES[0], ["2", "", "", "3"])
    _key(page, live_server, survey_id, CODES[0], ["2", "", "", "4"])
    assert page.locator(".flash, [role=status], .error, .notice").count() >= 1
    axe_check(page)
    page.goto(f"{live_server}/staff/surveys/{survey_id}/paper/keyings")
    axe_check(page)
    page.click("main table a")
    page.wait_for_load_state()
    assert page.locator("fieldset").count() == 1  # only Q3 differs
    submit(page, "main form button[type=submit]")  # nothing chosen: refused beside the question
    assert page.locator(".error-summary").is_visible()
    axe_check(page)
    page.check("fieldset input[value='2']")
    submit(page, "main form button[type=submit]")
    assert "/paper/keyings" in page.url
    axe_check(page)

    page.goto(f"{live_server}/staff/surveys/{survey_id}/paper/import")
    axe_check(page)
    bad = tmp_path / "forms.csv"
    bad.write_bytes("回答コード,Q1,Q2,Q2その他,Q3,Q4,Q5,Q6\r\nZZZZ-ZZZZ-ZZZZ,7,,,,,,\r\n".encode("cp932"))
    page.set_input_files("#file", str(bad))
    submit(page, "main input[name=submit]")
    assert page.locator(".error-summary").is_visible()
    assert "Q1" in page.locator("main table >> nth=1").inner_text()
    axe_check(page)
