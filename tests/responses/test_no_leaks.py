"""Marker strings in every personal and unpublished field: none may reach the result page, the
public exports or any other public page. The published text is checked to be there, so a page
that showed nothing could not pass."""

import base64
import csv
import io
import re
import zlib
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.core.jobs import dispatch
from app.core.models import JobRun
from app.extensions import db
from app.moderation.models import Opinion, Tag
from app.periods.models import CommentPeriod
from app.responses import results, services
from app.responses.models import Response
from tests.responses.conftest import user

SECRETS = ("LEAKNAME", "LEAKADDRESS", "leakmail", "LEAKPHONE", "LEAKBODY", "LEAKEXCERPT", "LEAKREDACTED",
           "LEAKWITHHELDSUMMARY", "LEAKWITHHELDEXCERPT", "LEAKWITHHOLDNOTE", "LEAKGROUPTITLE", "LEAKTAG",
           "LEAKREASON", "LEAKPENDING", "LEAKDRAFT", "LEAKORPHAN", "LEAKRETURN")
PUBLISHED = ("PUBLICSUMMARY", "PUBLICANSWER", "PUBLICGROUPED")


def pdf_text(data: bytes) -> str:
    """The text of a ReportLab PDF: its CID strings are UTF-16BE inside ASCII85+Flate streams."""
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            content = zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        except ValueError:
            continue
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                         else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)), literal)
            text.append(raw.decode("utf-16-be", errors="ignore"))
    return "".join(text)


@pytest.fixture
def published_with_secrets(app, make_period, make_submission, make_opinion, make_group, staff_pair, run_jobs):
    period_id = make_period()
    submission_id = make_submission(period_id, name="LEAKNAME", address="LEAKADDRESS", email="leakmail@example.jp",
                                    phone="LEAKPHONE", body="LEAKBODY")
    group_id = make_group(period_id, title="LEAKGROUPTITLE")
    make_opinion(period_id, submission_id=submission_id, summary="PUBLICSUMMARY", excerpt="LEAKEXCERPT")
    make_opinion(period_id, submission_id=submission_id, summary="連絡先 LEAKREDACTED まで", excerpt="x",
                 redactions=[("summary", 4, 16)], section=2)
    make_opinion(period_id, group=group_id, summary="PUBLICGROUPED")
    make_opinion(period_id, group=group_id, summary="同趣旨")
    make_opinion(period_id, state="withheld", withhold_reason="third_party", summary="LEAKWITHHELDSUMMARY",
                 excerpt="LEAKWITHHELDEXCERPT", withhold_note="LEAKWITHHOLDNOTE")
    orphan_id = make_opinion(period_id, state="accepted", summary="後で非公開")
    author_id, approver_id = staff_pair()
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        opinion = db.session.get(Opinion, orphan_id)
        opinion.tags = [Tag(period_id=period_id, name="LEAKTAG")]
        opinion.redactions[:0] = []
        for target in services.period_targets(period):
            body = "LEAKORPHAN" if target.id == orphan_id and target.kind == "opinion" else "PUBLICANSWER です。"
            response = services.save_response(period, target, body=body, category="A", actor=user(author_id))
            services.submit_response(response, actor=user(author_id))
            services.approve_response(response, actor=user(approver_id))
        # Withheld after its answer was approved: the answer must not follow it out.
        opinion.state, opinion.withhold_reason = "withheld", "unrelated"
        db.session.get(Opinion, orphan_id).redactions.clear()
        results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6),
                              full_text_note="全文は窓口で閲覧できます。", introduction="", actor=user(author_id))
        results.publish_result(period, actor=user(approver_id))
        # After publication: a late pending opinion, an accepted one with a draft, a returned answer.
        make_opinion(period_id, state="pending", summary="LEAKPENDING")
        late_id = make_opinion(period_id, summary="後から採用")
        db.session.add(Response(period_id=period_id, opinion_id=late_id, body="LEAKDRAFT", category="A",
                                state="draft", return_comment="LEAKRETURN"))
        db.session.commit()
        dispatch()
    run_jobs()
    return period_id


def _assert_clean(text: str, where: str) -> None:
    leaked = [marker for marker in SECRETS if marker in text]
    assert leaked == [], f"{where} leaks {leaked}"
    missing = [marker for marker in PUBLISHED if marker not in text]
    assert missing == [], f"{where} lacks the published {missing}"


def test_result_page_shows_published_text_and_nothing_personal(client, published_with_secrets):
    html = client.get(f"/periods/{published_with_secrets}/result").get_data(as_text=True)
    _assert_clean(html, "result page")
    assert "■■■" in html and "連絡先 ■■■ まで" in html
    assert "同様の意見 2件" in html or "2 similar opinions" in html


def test_public_exports_carry_nothing_personal(client, published_with_secrets):
    base = f"/periods/{published_with_secrets}/result/download"
    data = client.get(f"{base}/csv").data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["番号", "該当箇所", "意見の概要"]
    _assert_clean(data.decode("utf-8-sig"), "CSV")

    workbook = load_workbook(io.BytesIO(client.get(f"{base}/xlsx").data))
    cells = " ".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row)
    _assert_clean(cells, "XLSX")
    assert workbook.worksheets[0]["C1"].value == "意見の概要"
    assert workbook.worksheets[0].column_dimensions["E"].width == 60

    report = client.get(f"{base}/html")
    # The printable report opens as a page to print (issue 17), its embedded stylesheet allowed by hash.
    assert report.headers["Content-Disposition"].startswith("inline")
    assert "style-src 'self' 'sha256-" in report.headers["Content-Security-Policy"]
    _assert_clean(report.get_data(as_text=True), "HTML report")
    assert "@media print" in report.get_data(as_text=True)

    pdf = client.get(f"{base}/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"HeiseiMin-W3" in pdf.data
    _assert_clean(pdf_text(pdf.data), "PDF")


def test_other_public_pages_carry_nothing_personal(app, client, published_with_secrets):
    with app.app_context():
        plan_id = db.session.get(CommentPeriod, published_with_secrets).plan_id
    for path in ("/", "/results", f"/plans/{plan_id}"):
        html = client.get(path).get_data(as_text=True)
        assert [m for m in SECRETS if m in html] == [], path
    assert f"/periods/{published_with_secrets}/result" in client.get("/results").get_data(as_text=True)


def test_public_files_are_not_served_before_publication(client, make_period, make_opinion):
    period_id = make_period()
    make_opinion(period_id)
    assert client.get(f"/periods/{period_id}/result").status_code == 404
    assert client.get(f"/periods/{period_id}/result/download/csv").status_code == 404


def test_staff_export_holds_personal_data_and_is_logged_per_download(app, client, login_as, published_with_secrets,
                                                                     run_jobs):
    from app.core.models import AuditEntry
    from tests.conftest import csrf_token

    staff, _ = login_as("staff")
    token = csrf_token(staff, f"/staff/periods/{published_with_secrets}/result")
    assert staff.post(f"/staff/periods/{published_with_secrets}/result/staff-export",
                      data={"csrf_token": token}).status_code == 303
    run_jobs()
    with app.app_context():
        run = db.session.scalar(select(JobRun).where(JobRun.kind == results.STAFF_EXPORT_KIND))
        run_id = run.id
        assert run.state == "done"
    page = staff.get(f"/staff/periods/{published_with_secrets}/result").get_data(as_text=True)
    assert f"/staff/exports/{run_id}/csv" in page
    public = client.application.test_client()
    assert f"/staff/exports/{run_id}" not in public.get(f"/periods/{published_with_secrets}/result").get_data(
        as_text=True)
    for _ in range(2):
        data = staff.get(f"/staff/exports/{run_id}/csv").data.decode("utf-8-sig")
        assert "LEAKNAME" in data and "leakmail@example.jp" in data
    with app.app_context():
        downloads = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "result.staff_export_download")).all()
        assert len(downloads) == 2
    assert public.get(f"/staff/exports/{run_id}/csv").status_code in (302, 401)


def test_staff_of_another_department_cannot_export_personal_data(app, login_as, published_with_secrets, run_jobs):
    from tests.conftest import csrf_token

    outsider, _ = login_as("staff", department="財政課")
    token = csrf_token(outsider, "/staff/responses")
    assert outsider.post(f"/staff/periods/{published_with_secrets}/result/staff-export",
                         data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(JobRun).where(JobRun.kind == results.STAFF_EXPORT_KIND)) is None


def test_result_pdf_reads_as_an_official_notice(client, published_with_secrets, tmp_path):
    """意見募集, not 下書き; 和暦 dates, never ISO; body text in Mincho at normal weight (issue 17, item 3)."""
    import shutil
    import subprocess

    pdf = client.get(f"/periods/{published_with_secrets}/result/download/pdf").data
    if shutil.which("pdftotext"):
        (tmp_path / "r.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
    else:
        text = pdf_text(pdf)
    assert "意見募集：" in text and "下書き" not in text
    assert re.search(r"募集期間：令和\d+年\d+月\d+日（[月火水木金土日]） . 令和\d+年\d+月\d+日（[月火水木金土日]）", text)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)
    assert b"HeiseiMin-W3" in pdf
