"""Staff pages in the browser: the period form, FAX entry and the submissions list pass axe."""

from datetime import timedelta

from app.accounts.models import User
from app.core.timeutil import jst_today
from app.extensions import db
from tests.browser.conftest import browser_login, submit


def test_staff_enter_a_fax_submission_and_see_it_listed(app, page, live_server, make_user, make_period, axe_check):
    period_id = make_period()
    user_id = make_user("staff", department="まちづくり政策課")
    with app.app_context():
        email = db.session.get(User, user_id).email
    browser_login(page, live_server, email)
    page.goto(f"{live_server}/staff/periods/{period_id}/edit")
    axe_check(page)
    page.goto(f"{live_server}/staff/periods/{period_id}/submissions/new")
    axe_check(page)
    page.select_option("#channel", "fax")
    page.fill("#received_on", (jst_today() - timedelta(days=1)).isoformat())
    page.fill("#name", "ファクス 次郎")
    page.fill("#entries-0-body", "FAXで届いた意見です。")
    submit(page, "main input[name=submit]")
    assert f"{period_id}-00001" in page.content()
    page.goto(f"{live_server}/staff/periods/{period_id}/submissions")
    assert page.get_by_role("cell", name="ファクス", exact=True).is_visible()
    axe_check(page)
