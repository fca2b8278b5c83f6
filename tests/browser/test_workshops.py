"""Workshops in the browser: sign-up to the waitlist, a cancellation that promotes, and a facilitator
entering notes on a shaky connection, with no WCAG 2 A/AA violations in Japanese or English."""

import re
from datetime import timedelta

import pytest

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.workshops import facilitation
from app.workshops.models import Registration, Workshop, WorkshopNote
from tests.browser.conftest import browser_login, submit
from tests.workshops import conftest as workshop_fixtures
from tests.workshops.conftest import token_of

# The workshop factories, shared with tests/workshops (a conftest there is not seen from here).
make_workshop = workshop_fixtures.make_workshop
sign_up = workshop_fixtures.sign_up


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_sign_up_to_the_waitlist_then_a_cancellation_promotes(app, page, live_server, make_workshop, sign_up,
                                                              axe_check, switch_language, lang):
    workshop_id = make_workshop(capacity=1, title="ブラウザ確認ワークショップ", question_1="参加の動機は？")
    first, _ = sign_up(workshop_id, name="先着 一郎")
    page.goto(f"{live_server}/workshops")
    if lang == "en":
        switch_language(page, "en")
    axe_check(page)
    page.get_by_role("link", name="ブラウザ確認ワークショップ").first.click()
    axe_check(page)
    submit(page, f"a[href='/workshops/{workshop_id}/register']")
    axe_check(page)
    submit(page, "main form input[type=submit]")  # nothing filled in: the errors must be accessible too
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#name").get_attribute("aria-invalid") == "true"
    axe_check(page)
    page.fill("#name", "待機 花子")
    page.fill("#email", "hanako@example.jp")
    page.select_option("#attribute", "resident")
    page.fill("#answer_1", "計画に関心があるため")
    page.check("#childcare")
    submit(page, "main form input[type=submit]")
    assert "/workshops/registration/" in page.url
    waiting_url = page.url
    assert page.locator(".checkin-code").count() == 0
    axe_check(page)

    # The first participant cancels through their own private link; the waitlisted one moves up.
    page.goto(f"{live_server}/workshops/registration/{token_of(app, first)}")
    page.click("a[href$='/cancel']")
    assert page.locator("h1").inner_text() == {"ja": "申込みをキャンセルしますか？", "en": "Cancel your sign-up?"}[lang]
    axe_check(page)
    submit(page, "form[action$='/cancel'] input[type=submit]")
    assert page.locator(".flash-success").is_visible()
    assert {"ja": "キャンセル済み", "en": "Sign-up cancelled"}[lang] in page.locator("main").inner_text()
    assert page.locator("a[href$='workshop.ics']").count() == 0
    axe_check(page)
    page.goto(waiting_url)
    assert page.locator(".checkin-code").is_visible()
    with app.app_context():
        statuses = dict(db.session.execute(db.select(Registration.name, Registration.status)).all())
    assert statuses == {"先着 一郎": "cancelled", "待機 花子": "confirmed"}


@pytest.fixture
def facilitator_workshop(app, make_user, make_workshop, sign_up):
    user_id = make_user("facilitator", department="")
    workshop_id = make_workshop(facilitators=[user_id])
    person, _ = sign_up(workshop_id, name="受付 太郎")
    with app.app_context():
        facilitator = db.session.get(User, user_id)
        workshop = db.session.get(Workshop, workshop_id)
        group = facilitation.create_group(workshop, "Aグループ", actor=facilitator)
        db.session.commit()
        return db.session.get(User, user_id).email, workshop_id, group.id, person


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_facilitator_checks_in_and_enters_notes_in_a_row(app, page, live_server, facilitator_workshop, axe_check,
                                                         switch_language, lang):
    email, workshop_id, group_id, person = facilitator_workshop
    browser_login(page, live_server, email)
    if lang == "en":
        switch_language(page, "en")
    page.goto(f"{live_server}/facilitate/workshops/{workshop_id}")
    axe_check(page)
    submit(page, f"#r{person} button[type=submit]")
    assert page.locator(f"#r{person} .present").is_visible()
    axe_check(page)
    page.goto(f"{live_server}/facilitate/workshops/{workshop_id}/groups")
    axe_check(page)

    page.goto(f"{live_server}/facilitate/workshops/{workshop_id}/groups/{group_id}")
    axe_check(page)
    notes = ["若い世代が気軽に参加できるお試し参加デー", "協議会同士の交流会を年1回開く", "夜に立ち寄れる相談会"]
    page.select_option("#kind", "アイデア")
    page.fill("#text", notes[0])
    page.click("#note-form input[type=submit]")  # sent in the background: no page load
    page.fill("#text", notes[1])
    page.click("#note-form input[type=submit]")
    page.locator("#notes .note").nth(1).wait_for()
    assert page.locator("#text").input_value() == ""

    # The connection drops: the note waits on the device and goes out when it is back.
    page.context.set_offline(True)
    page.fill("#text", notes[2])
    page.click("#note-form input[type=submit]")
    page.locator(".pending-notes li").wait_for()
    page.context.set_offline(False)
    page.locator("#notes .note").nth(2).wait_for(timeout=15000)
    assert page.locator(".pending-notes li").count() == 0
    axe_check(page)

    page.reload()
    first_note = page.locator("#notes .note").filter(has_text=notes[0])
    first_note.locator("input[name=votes]").fill("5")
    with page.expect_navigation():
        first_note.locator(".note-votes button").click()
    with app.app_context():
        saved = {note.text: (note.kind, note.votes) for note in db.session.scalars(db.select(WorkshopNote))}
    assert saved == {notes[0]: ("アイデア", 5), notes[1]: ("アイデア", 0), notes[2]: ("アイデア", 0)}


def test_staff_pages_and_the_published_report_have_no_axe_violations(app, page, live_server, make_user,
                                                                     make_workshop, sign_up, axe_check):
    staff_id = make_user("staff", department="まちづくり政策課")
    starts = utcnow() - timedelta(days=3)
    workshop_id = make_workshop(starts_at=starts, ends_at=starts + timedelta(hours=3), question_1="きっかけは？",
                                signup_opens_at=starts - timedelta(days=9), signup_closes_at=starts - timedelta(days=1))
    person, _ = sign_up(workshop_id, now=starts - timedelta(days=2), accommodation={"wheelchair": True})
    with app.app_context():
        staff = db.session.get(User, staff_id)
        workshop = db.session.get(Workshop, workshop_id)
        facilitation.check_in(workshop, db.session.get(Registration, person), actor=staff)
        group = facilitation.create_group(workshop, "Aグループ", actor=staff)
        facilitation.add_note(workshop, group, kind="提案", text="情報をまとめて発信する", client_key="k", actor=staff)
        facilitation.save_summary(workshop, "## まとめ\n\n- 情報発信が課題", actor=staff)
        db.session.commit()
        email = staff.email
    browser_login(page, live_server, email)
    for path in ("/staff/workshops", f"/staff/workshops/{workshop_id}", f"/staff/workshops/{workshop_id}/edit",
                 f"/facilitate/workshops/{workshop_id}/summary"):
        page.goto(f"{live_server}{path}")
        axe_check(page)
    page.goto(f"{live_server}/staff/workshops/{workshop_id}")
    submit(page, "form[action$='/report/publish'] input[type=submit]")
    page.goto(f"{live_server}/workshops/{workshop_id}/report")
    assert re.search("情報をまとめて発信する", page.content())
    axe_check(page)
