"""The issue's example, end to end: personal details written inside an opinion (by web and on paper)
are found, stop publication until a moderator hides them, and then appear on no public surface
(the result page, its four downloads and the result API, in Japanese and in English)."""

import csv
import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.core.timeutil import jst_today
from app.extensions import db
from app.moderation.models import Redaction
from app.privacy.models import PersonalFinding
from app.submissions.models import Submission
from tests.conftest import csrf_token
from tests.privacy.flow import (
    KEPT,
    PERSONAL,
    SENTENCE,
    answer_all,
    client_for,
    close_and_describe,
    findings_of,
    is_published,
    opinions_of,
    post,
    publish,
)
from tests.responses.test_no_leaks import pdf_text
from tests.submissions.conftest import opinion, submit


def public_surfaces(app, period_id) -> dict[str, str]:
    """Everything anyone can read of the published result, as text, in both languages."""
    reader = app.test_client()
    seen = {}
    for lang in ("ja", "en"):
        reader.get(f"/language?lang={lang}")
        seen[f"result page ({lang})"] = reader.get(f"/periods/{period_id}/result").get_data(as_text=True)
        base = f"/periods/{period_id}/result/download"
        seen[f"CSV ({lang})"] = " ".join(" ".join(row) for row in csv.reader(
            io.StringIO(reader.get(f"{base}/csv").data.decode("utf-8-sig"))))
        workbook = load_workbook(io.BytesIO(reader.get(f"{base}/xlsx").data))
        seen[f"XLSX ({lang})"] = " ".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows()
                                          for cell in row if cell.value is not None)
        seen[f"HTML report ({lang})"] = reader.get(f"{base}/html").get_data(as_text=True)
        seen[f"PDF ({lang})"] = pdf_text(reader.get(f"{base}/pdf").data)
        seen[f"API ({lang})"] = reader.get(f"/api/v1/periods/{period_id}/result").get_data(as_text=True)
        seen[f"API CSV ({lang})"] = reader.get(f"/api/v1/periods/{period_id}/result.csv").data.decode("utf-8-sig")
    return seen


def assert_nothing_personal(app, period_id) -> None:
    for where, text in public_surfaces(app, period_id).items():
        assert "市民活動センター" in text, f"{where} does not show the published opinion"
        leaked = [words for words in PERSONAL if words in text]
        assert leaked == [], f"{where} shows {leaked}"


def _staff(app, make_user):
    author, author_id = client_for(app, make_user, "staff")
    _, approver_id = client_for(app, make_user, "staff")
    return author, author_id, approver_id


def _refused_for_personal_data(app, staff, period_id) -> str:
    response = publish(staff, period_id)
    assert response.status_code == 303
    assert not is_published(app, period_id)
    page = staff.get(f"/staff/periods/{period_id}/result").get_data(as_text=True)
    assert "個人情報" in page and f"/staff/periods/{period_id}/personal-data" in page
    return page


def test_web_opinion_with_the_writers_details_is_held_back_until_hidden_also_by_bulk_accept(
        app, make_user, make_period, run_jobs):
    period_id = make_period()
    citizen = app.test_client()
    assert submit(citizen, period_id, opinion(body=SENTENCE, name="山田 太郎")).status_code == 303
    with app.app_context():
        submission_id = db.session.scalar(select(Submission.id).where(Submission.period_id == period_id))

    moderator, _ = client_for(app, make_user, "moderator")
    page = f"/moderation/submissions/{submission_id}"
    # What was sent is shown with each detail marked and named before anything is cut out.
    html = moderator.get(page).get_data(as_text=True)
    assert '<mark class="pii pii-found">090-1234-5678</mark><span class="pii-kind">［電話番号］</span>' in html
    assert post(moderator, f"{page}/split", {}, page).status_code == 303
    (opinion_id,) = opinions_of(app, period_id)
    assert {kind for _, kind, _ in findings_of(app, period_id)} >= {"phone", "email", "address", "name"}
    listing = f"/moderation/periods/{period_id}/opinions"
    assert post(moderator, listing, {"opinion_ids": [str(opinion_id)], "action": "accept"}).status_code == 303
    queue = moderator.get(f"/moderation/queue?period={period_id}").get_data(as_text=True)
    assert f"<strong>{len(findings_of(app, period_id))}</strong>" in queue

    staff, author_id, approver_id = _staff(app, make_user)
    answer_all(app, period_id, author_id, approver_id)
    close_and_describe(app, period_id, author_id)
    _refused_for_personal_data(app, staff, period_id)

    html = moderator.get(f"/moderation/opinions/{opinion_id}").get_data(as_text=True)
    assert 'id="personal-data"' in html and "［メールアドレス］" in html and "［住所］" in html
    for finding_id, _, _ in findings_of(app, period_id):
        assert post(moderator, f"/staff/findings/{finding_id}/redact", {},
                    f"/moderation/opinions/{opinion_id}").status_code == 303
    assert findings_of(app, period_id, "unreviewed") == []
    with app.app_context():
        reasons = {r.reason for r in db.session.scalars(select(Redaction).where(Redaction.opinion_id == opinion_id))}
        assert reasons == {"private_person", "contact"}
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "privacy.redact")) == len(findings_of(app, period_id))
        assert not any(words in str(entry.details) for entry in db.session.scalars(select(AuditEntry))
                       for words in PERSONAL)

    assert publish(staff, period_id).status_code == 303
    assert is_published(app, period_id)
    run_jobs()
    assert KEPT in public_surfaces(app, period_id)["result page (ja)"]
    assert_nothing_personal(app, period_id)


def test_paper_opinion_with_the_writers_details_is_found_and_held_back_until_reviewed(
        app, make_user, make_period, run_jobs):
    period_id = make_period()
    staff, author_id, approver_id = _staff(app, make_user)
    form = f"/staff/periods/{period_id}/submissions/new"
    page = staff.get(form).get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    response = staff.post(form, data={
        "csrf_token": csrf_token(staff, form), "idempotency_key": key, "channel": "post",
        "received_on": (jst_today() - timedelta(days=1)).isoformat(), "name": "山田 太郎", "address": "",
        "attribute": "resident", "email": "", "phone": "", "entries-0-section": "", "entries-0-body": SENTENCE,
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    shown = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "<mark" in shown and "［電話番号］" in shown  # the desk sees what it typed in, marked

    with app.app_context():
        submission_id = db.session.scalar(select(Submission.id).where(Submission.period_id == period_id))
    moderator, _ = client_for(app, make_user, "moderator")
    page = f"/moderation/submissions/{submission_id}"
    assert post(moderator, f"{page}/split", {}, page).status_code == 303
    (opinion_id,) = opinions_of(app, period_id)
    opinion_page = f"/moderation/opinions/{opinion_id}"
    assert post(moderator, f"{opinion_page}/decide", {"decide-decision": "accepted"}).status_code == 303
    answer_all(app, period_id, author_id, approver_id)
    close_and_describe(app, period_id, author_id)
    _refused_for_personal_data(app, staff, period_id)

    # Hide the details one by one; the last is refused without a note, then hidden too.
    *first, (last_id, _, _) = findings_of(app, period_id)
    for finding_id, _, _ in first:
        assert post(moderator, f"/staff/findings/{finding_id}/redact", {}, opinion_page).status_code == 303
    refused = post(moderator, f"/staff/findings/{last_id}/not-personal", {"note": "  "}, opinion_page)
    assert refused.status_code == 400
    assert "個人情報でない理由" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PersonalFinding, last_id).state == "unreviewed"
    _refused_for_personal_data(app, staff, period_id)
    assert post(moderator, f"/staff/findings/{last_id}/redact", {}, opinion_page).status_code == 303

    assert publish(staff, period_id).status_code == 303 and is_published(app, period_id)
    run_jobs()
    assert_nothing_personal(app, period_id)
