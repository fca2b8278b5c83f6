"""What citizens see: the lists, the period page in both calendars, the draft's PDFs."""

import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.periods.models import PeriodDocument
from tests.conftest import csrf_token
from tests.periods.conftest import PDF


def test_lists_show_open_periods_first_with_days_left_then_upcoming_then_closed(client, make_period):
    now = utcnow()
    make_period(title="終了した募集", opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=20))
    make_period(title="予定の募集", opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=40))
    make_period(title="募集中の募集", closes_at=now + timedelta(days=9, hours=1))
    make_period(title="下書きの募集", status="draft")
    html = client.get("/periods").get_data(as_text=True)
    assert html.index("募集中の募集") < html.index("予定の募集") < html.index("終了した募集")
    assert "下書きの募集" not in html
    assert re.search(r"残り1[01]日", html)
    home = client.get("/").get_data(as_text=True)
    assert "募集中の募集" in home and "終了した募集" not in home


def test_period_page_shows_dates_once_in_wareki_places_sections_and_channels(client, make_period):
    period_id = make_period(opens_at=datetime(2025, 10, 5, 15, 0, tzinfo=UTC),
                            closes_at=datetime(2025, 11, 6, 14, 59, 59, tzinfo=UTC))
    html = client.get(f"/periods/{period_id}").get_data(as_text=True)
    assert "令和7年10月6日（月） 00:00" in html and "令和7年11月6日（木） 23:59" in html
    assert "2025年" not in html and "（2025" not in html  # once, in 和暦: not doubled in nested brackets
    assert "本庁舎" in html and "第1章 1 計画の背景" in html
    assert "iken@example.jp" in html and "083-000-1234" in html and "下関市南部町1-1" in html
    assert "募集終了" in html


def test_plan_timeline_lists_its_periods(client, make_plan, make_period):
    plan_id = make_plan()
    make_period(plan_id=plan_id, title="計画案への意見募集")
    make_period(plan_id=plan_id, title="非公開の下書き", status="draft")
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "計画案への意見募集" in html and "募集中" in html and "非公開の下書き" not in html


def test_staff_upload_a_pdf_that_is_served_as_a_download(app, client, login_as, make_period, uploads_dir):
    period_id = make_period()
    staff, _ = login_as("staff")
    path = f"/staff/periods/{period_id}/documents"
    response = staff.post(path, data={"csrf_token": csrf_token(staff, path), "title": "計画（案）本編",
                                      "file": (io.BytesIO(PDF), "keikaku.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        document = db.session.scalars(select(PeriodDocument)).one()
    assert (uploads_dir / "documents" / document.stored_name).read_bytes() == PDF
    assert "keikaku" not in document.stored_name
    download = client.get(f"/periods/{period_id}/documents/{document.id}")
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "計画（案）本編" in client.get(f"/periods/{period_id}").get_data(as_text=True)


def test_an_executable_renamed_pdf_is_refused(login_as, make_period, count_rows, uploads_dir):
    period_id = make_period()
    staff, _ = login_as("staff")
    path = f"/staff/periods/{period_id}/documents"
    html = staff.post(path, data={"csrf_token": csrf_token(staff, path), "title": "",
                                  "file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "keikaku.pdf")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert "keikaku.pdf はPDFファイルではありません" in html
    assert count_rows(PeriodDocument) == 0


def test_documents_of_a_draft_period_are_not_public(client, make_period):
    period_id = make_period(status="draft")
    assert client.get(f"/periods/{period_id}/documents/1").status_code == 404


def test_web_only_period_names_the_form_once_and_gives_no_paper_rules(client, make_period):
    period_id = make_period(channels={"web": ""})
    html = client.get(f"/periods/{period_id}").get_data(as_text=True)
    channels = html[html.index('id="channels-heading"'):]
    assert channels.count("ウェブフォーム") == 1  # the label, not the label repeated as its value
    assert "このサイトのフォームを開く" in channels
    assert "消印" not in html and "持参" not in html


def test_period_with_paper_channels_gives_the_postmark_rule(client, make_period):
    html = client.get(f"/periods/{make_period()}").get_data(as_text=True)
    assert "消印" in html
