"""A citizen sends an opinion on the web: period page, form, confirmation and receipt, with no WCAG 2
A/AA violations in Japanese or English."""

import re

import pytest

from tests.browser.conftest import submit


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_citizen_sends_an_opinion_and_gets_a_receipt(page, live_server, make_period, axe_check, switch_language,
                                                     lang):
    period_id = make_period(title="第5次下関市市民活動促進基本計画（案）への意見募集")
    page.goto(f"{live_server}/periods/{period_id}")
    if lang == "en":
        switch_language(page, "en")
    axe_check(page)
    submit(page, "main a.button")
    assert f"/periods/{period_id}/submit" in page.url
    axe_check(page)

    # An empty send shows the errors by the fields; that page must hold too.
    submit(page, "main input[name=confirm]")
    assert page.locator(".error-summary").is_visible()
    axe_check(page)

    page.fill("#name", "下関 花子")
    page.select_option("#attribute", "resident")
    page.select_option("#entries-0-section", index=1)
    page.fill("#entries-0-body", "夜間や休日にも、まちづくり協議会の会議に参加できるようにしてください。")
    assert page.locator("#entries-0-body-count").inner_text().startswith("35")  # the live count
    page.check("#consent")
    submit(page, "main input[name=confirm]")
    assert page.locator("h1").inner_text() in ("入力内容の確認", "Check your entries")
    assert "夜間や休日にも" in page.content()
    axe_check(page)

    submit(page, "main input[name=send]")
    receipt = page.locator(".receipt-no").inner_text()
    assert receipt == f"{period_id}-00001"
    axe_check(page)


def test_the_count_warns_when_the_text_is_over_the_limit(page, live_server, make_period):
    period_id = make_period(body_max_length=100)
    page.goto(f"{live_server}/periods/{period_id}/submit")
    page.fill("#entries-0-body", "あ" * 105)
    count = page.locator("#entries-0-body-count")
    assert "上限を5文字超えています" in count.inner_text()
    assert "over" in count.get_attribute("class")


def test_the_private_link_looks_up_with_the_code_from_its_fragment_and_without_script_by_typing_it(
        browser, page, live_server, make_period, axe_check):
    period_id = make_period()
    page.goto(f"{live_server}/periods/{period_id}/submit")
    page.fill("#name", "下関 花子")
    page.select_option("#attribute", "resident")
    page.fill("#entries-0-body", "照会リンクで確かめる意見です。")
    page.check("#consent")
    submit(page, "main input[name=confirm]")
    submit(page, "main input[name=send]")
    code = page.locator(".receipt-code code").inner_text()
    link = page.locator("dl.facts a").get_attribute("href")
    assert link.endswith(f"#code={code}") and code not in link.partition("#")[0]
    assert code not in page.url
    page.goto(link)
    page.wait_for_url(re.compile(r"/lookup$"))  # the form was sent by POST; the fragment is gone
    assert page.locator("main").get_by_text("照会リンクで確かめる意見です。").is_visible()
    axe_check(page)
    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(link)
        assert plain.input_value("#receipt") == f"{period_id}-00001" and plain.input_value("#secret") == ""
        plain.fill("#secret", code)
        submit(plain, "main form button[type=submit]")
        assert plain.locator("main").get_by_text("照会リンクで確かめる意見です。").is_visible()
    finally:
        context.close()
