"""The digest page in a browser: no WCAG 2 A/AA violations in Japanese and English, the progress bar
following a rebuild through its JSON endpoint, and accepting a suggested group."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.accounts.models import User
from app.core.models import JobRun
from app.extensions import db
from tests.browser.conftest import browser_login, submit
from tests.digests.test_digest_job import build


def staff_login(app, page, live_server, make_user):
    user_id = make_user("staff", department="まちづくり政策課")
    with app.app_context():
        email = db.session.get(User, user_id).email
    browser_login(page, live_server, email)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_digest_page_has_no_axe_violations(app, page, live_server, make_user, campaign_period, run_jobs, axe_check,
                                           switch_language, lang):
    period_id, _ = campaign_period
    with app.test_request_context():
        build(period_id, run_jobs)
        # A rebuild waiting for a worker, so that the progress bar is on the page too.
        db.session.add(JobRun(kind="period_digest", func="app.digests.tasks.build_period_digest",
                              subject_type="period", subject_id=period_id, state="queued"))
        db.session.commit()
    staff_login(app, page, live_server, make_user)
    if lang == "en":
        switch_language(page, "en")
    page.goto(f"{live_server}/periods/{period_id}/digest")
    assert page.locator("progress").count() == 1
    page.locator("details.digest-table-toggle summary").click()
    axe_check(page)


def test_progress_bar_follows_the_run_and_the_page_reloads_when_it_is_done(app, page, live_server, make_user,
                                                                           make_period):
    period_id = make_period()
    with app.app_context():
        run = JobRun(kind="period_digest", func="app.digests.tasks.build_period_digest", subject_type="period",
                     subject_id=period_id, state="running", progress=10, step="digest.reading")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    staff_login(app, page, live_server, make_user)
    page.goto(f"{live_server}/periods/{period_id}/digest")
    assert page.locator("progress").get_attribute("value") == "10"
    with app.app_context():
        run = db.session.get(JobRun, run_id)
        run.progress, run.step = 55, "digest.keywords"
        db.session.commit()
    expect(page.locator("progress")).to_have_js_property("value", 55, timeout=10000)
    assert "キーワードを抽出しています" in page.locator(".job-progress").inner_text()
    with app.app_context():
        run = db.session.get(JobRun, run_id)
        run.state, run.progress = "failed", 55
        run.error = "period_deleted"
        db.session.commit()
    # Finished: the script reloads the page, which now shows the failure without polling.
    expect(page.locator('[data-job-finished="true"]')).to_have_count(1, timeout=10000)
    assert "ジョブの実行前に意見募集が削除されました。" in page.content()


def test_staff_accepts_a_suggested_group_in_the_browser(app, page, live_server, make_user, campaign_period,
                                                        run_jobs):
    period_id, ids = campaign_period
    with app.test_request_context():
        build(period_id, run_jobs)
    staff_login(app, page, live_server, make_user)
    page.goto(f"{live_server}/periods/{period_id}/digest")
    article = page.locator("article.cluster").first
    article.locator("input[type=text]").fill("公民館の開館時間延長")
    submit(page, "article.cluster >> nth=0 >> input[type=submit]")
    assert "6件の意見を一つの意見グループにまとめました。" in page.content()
    assert "意見グループ #" in page.locator("article.cluster").first.inner_text()
    with app.app_context():
        from app.moderation.models import Opinion

        groups = set(db.session.scalars(select(Opinion.group_id).where(Opinion.id.in_(ids["letters"]))))
        assert len(groups) == 1 and None not in groups
