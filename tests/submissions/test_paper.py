"""Paper parity: staff enter what came by email, FAX, post or at the desk, with the same receipts."""

import io
import re
from datetime import timedelta

from sqlalchemy import select

from app.core.models import AuditEntry
from app.core.timeutil import jst_today, utcnow
from app.extensions import db
from app.submissions.models import Submission
from tests.conftest import csrf_token
from tests.periods.conftest import PDF
from tests.submissions.conftest import look_up, submit

KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


def paper(client, period_id, **overrides):
    page = client.get(f"/staff/periods/{period_id}/submissions/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, f"/staff/periods/{period_id}/submissions/new"),
            "idempotency_key": KEY.search(page).group(1), "channel": "fax",
            "received_on": (jst_today() - timedelta(days=1)).isoformat(), "name": "紙 一郎",
            "address": "下関市豊浦町", "attribute": "resident", "email": "", "phone": "083-000-0000",
            "entries-0-section": "", "entries-0-body": "FAXで届いた意見を書き写したものです。"}
    data.update(overrides)
    return data, client.post(f"/staff/periods/{period_id}/submissions/new", data=data,
                             content_type="multipart/form-data")


def test_staff_enter_a_fax_submission_with_its_scan_and_get_a_receipt_slip(app, login_as, make_period, uploads_dir):
    period_id = make_period()
    client, _ = login_as("staff")
    _, response = paper(client, period_id, scans=[(io.BytesIO(PDF), "fax.pdf")])
    assert response.status_code == 303
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert (submission.channel, submission.receipt_no) == ("fax", f"{period_id}-00001")
        assert submission.attachments[0].filename == "fax.pdf"
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "submission.enter"))
    slip = client.get(f"/staff/submissions/{submission.id}/slip").get_data(as_text=True)
    assert "意見受付票" in slip and f"{period_id}-00001" in slip and "紙 一郎 様" in slip
    code = re.search(r"<code>([A-Z2-7-]{19})</code>", slip).group(1)
    lookup = look_up(client, submission.receipt_no, code)
    assert "FAXで届いた意見を書き写したものです。" in lookup.get_data(as_text=True)
    download = client.get(f"/staff/submissions/{submission.id}/attachments/{submission.attachments[0].id}")
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_web_and_fax_submissions_are_listed_for_staff_with_their_channels(login_as, make_period):
    period_id = make_period()
    client, _ = login_as("staff")
    submit(client, period_id)
    paper(client, period_id)
    html = client.get(f"/staff/periods/{period_id}/submissions").get_data(as_text=True)
    assert f"{period_id}-00001" in html and f"{period_id}-00002" in html
    assert "<td>ウェブフォーム</td>" in html and "<td>ファクス</td>" in html
    only_fax = client.get(f"/staff/periods/{period_id}/submissions?channel=fax").get_data(as_text=True)
    assert f"{period_id}-00002" in only_fax and f"{period_id}-00001" not in only_fax


def test_a_paper_submission_received_in_time_is_accepted_after_the_period_closed(app, login_as, make_period):
    closes = utcnow() - timedelta(days=2)
    period_id = make_period(opens_at=closes - timedelta(days=31), closes_at=closes)
    client, _ = login_as("staff")
    last_day = (closes + timedelta(hours=9)).date().isoformat()  # the closing day in Japan
    _, response = paper(client, period_id, received_on=last_day, channel="post")
    assert response.status_code == 303
    _, late = paper(client, period_id, received_on=(jst_today() - timedelta(days=1)).isoformat())
    assert "期間外の意見です" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Submission.channel)).all() == ["post"]


def test_future_received_date_is_refused(app, login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    _, response = paper(client, period_id, received_on=(jst_today() + timedelta(days=1)).isoformat())
    html = response.get_data(as_text=True)
    assert "受付日に未来の日付は入力できません。" in html and 'id="received_on-error"' in html
    assert count_rows(Submission) == 0


def test_saving_the_paper_form_twice_gives_one_submission(login_as, make_period, count_rows):
    period_id = make_period()
    client, _ = login_as("staff")
    data, first = paper(client, period_id)
    second = client.post(f"/staff/periods/{period_id}/submissions/new", data=data, content_type="multipart/form-data")
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(Submission) == 1


def test_citizens_and_other_departments_cannot_use_staff_pages(client, login_as, make_period):
    period_id = make_period()
    assert client.get(f"/staff/periods/{period_id}/submissions").status_code == 302
    other, _ = login_as("staff", department="観光政策課")
    assert other.get(f"/staff/periods/{period_id}/submissions/new").status_code == 403
