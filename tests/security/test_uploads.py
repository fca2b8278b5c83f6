"""Hostile uploads through the two doors that take files: a period's documents (PDF) and a
citizen's attachments (PDF, JPEG, PNG). Wrong content is refused by what it is, not what it is
called; accepted files are stored under a random name, their given name shown escaped and only as
a label, and served as downloads that no browser renders."""

import io
import zipfile

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.periods.models import PeriodDocument
from app.submissions.models import Attachment, Submission
from tests.conftest import csrf_token
from tests.security.conftest import PDF, PNG
from tests.submissions.conftest import confirmed_data, opinion, send


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()


POLYGLOT = PDF.replace(b"%%EOF", b"<html><body><script>xss()</script></body></html>\n%%EOF")
REFUSED = {
    "exe named pdf": ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200),
    "html named png": ("photo.png", b"<!doctype html><html><script>xss()</script></html>"),
    "svg named png": ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='xss()'/>"),
    "zip bomb named pdf": ("draft.pdf", _zip_bomb()),
    "empty": ("empty.pdf", b""),
}
HOSTILE_NAMES = ("../../etc/passwd.pdf", "..\\..\\win.ini.pdf", "a\x00b.pdf", "x" * 400 + ".pdf",
                 "\u202efdp.exe", "<img src=x onerror=xss()>.pdf", "\u200f\u2066evil\u2069.pdf")


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _upload_document(client, period_id, name, data):
    token = csrf_token(client, f"/staff/periods/{period_id}/documents")
    return client.post(f"/staff/periods/{period_id}/documents", content_type="multipart/form-data",
                       data={"csrf_token": token, "title": "資料", "file": (io.BytesIO(data), name)})


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_document_with_the_wrong_content_is_refused(app, world, clients, case):
    name, data = REFUSED[case]
    before = _count(app, PeriodDocument)
    response = _upload_document(clients["staff"], world.ids["a"]["period"], name, data)
    assert response.status_code == 200
    assert _count(app, PeriodDocument) == before
    assert "error" in response.get_data(as_text=True)


def test_an_oversized_document_is_refused_before_it_is_stored(app, world, clients, monkeypatch, tmp_path):
    from app.periods import staff_views

    monkeypatch.setattr(staff_views, "DOCUMENT_MAX_BYTES", len(PDF) - 1)
    before = _count(app, PeriodDocument)
    assert _upload_document(clients["staff"], world.ids["a"]["period"], "big.pdf", PDF).status_code == 200
    assert _count(app, PeriodDocument) == before


def test_a_request_over_the_size_limit_is_refused_whole(app, world, clients):
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        response = _upload_document(clients["staff"], world.ids["a"]["period"], "big.pdf", PDF + b"\0" * 8192)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert response.status_code == 413


def _stored_files(app):
    from pathlib import Path

    return sorted(p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_a_hostile_file_name_is_only_a_label(app, world, clients, name, tmp_path):
    client = clients["staff"]
    period_id = world.ids["a"]["period"]
    response = _upload_document(client, period_id, name, POLYGLOT)
    assert response.status_code == 303
    with app.app_context():
        doc = db.session.scalar(select(PeriodDocument).order_by(PeriodDocument.id.desc()))
        label, stored, doc_id = doc.filename, doc.stored_name, doc.id
    assert "/" not in label and "\\" not in label and "\x00" not in label and len(label) <= 255
    assert not any(ch in label for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"), label
    assert stored != label and stored.endswith(".pdf") and len(stored) == 36
    for path in _stored_files(app):
        assert path.is_relative_to(tmp_path / "uploads"), path
    page = client.get(f"/staff/periods/{period_id}/documents").get_data(as_text=True)
    assert "<img src=x onerror" not in page
    served = client.get(f"/periods/{period_id}/documents/{doc_id}")
    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.mimetype == "application/pdf"
    assert "sandbox" in served.headers["Content-Security-Policy"]


def _send_with(client, period_id, files):
    data = confirmed_data(client, period_id, opinion())
    return send(client, period_id, data, files=files)


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_attachment_with_the_wrong_content_is_refused_and_the_text_kept(app, world, case):
    name, data = REFUSED[case]
    client = app.test_client()
    period_id = world.ids["a"]["period"]
    before = _count(app, Submission), _count(app, Attachment)
    response = _send_with(client, period_id, [(io.BytesIO(data), name)])
    assert response.status_code == 200
    assert (_count(app, Submission), _count(app, Attachment)) == before
    assert "市民活動センターの開館時間を夜9時まで延ばしてください。" in response.get_data(as_text=True)


def test_an_oversized_attachment_is_refused(app, world):
    from app.periods.models import CommentPeriod

    with app.app_context():
        db.session.get(CommentPeriod, world.ids["a"]["period"]).max_attachment_bytes = len(PNG) - 1
        db.session.commit()
    before = _count(app, Submission)
    response = _send_with(app.test_client(), world.ids["a"]["period"], [(io.BytesIO(PNG), "photo.png")])
    assert response.status_code == 200 and _count(app, Submission) == before


def test_an_attachment_with_a_hostile_name_is_stored_under_a_random_name_and_served_as_a_download(app, world,
                                                                                                    clients):
    period_id = world.ids["a"]["period"]
    response = _send_with(app.test_client(), period_id, [(io.BytesIO(PNG), "..\\..\\\u202egnp.exe<b>.png")])
    assert response.status_code == 303
    with app.app_context():
        item = db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))
        submission_id, attachment_id, label = item.submission_id, item.id, item.filename
    assert "\\" not in label and "\u202e" not in label
    staff = clients["staff"]
    page = staff.get(f"/staff/submissions/{submission_id}").get_data(as_text=True)
    assert "<b>.png" not in page and "&lt;b&gt;.png" in page
    served = staff.get(f"/staff/submissions/{submission_id}/attachments/{attachment_id}")
    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def _download_name(response) -> str:
    from werkzeug.http import parse_options_header

    return parse_options_header(response.headers["Content-Disposition"])[1]["filename"]


@pytest.mark.parametrize(("name", "expected"), [("evil.html", "evil.pdf"), ("計画案.svg", "計画案.pdf"),
                                                ("draft", "draft.pdf"), ("資料.PDF", "資料.PDF")])
def test_a_document_downloads_with_the_extension_of_what_it_is(app, world, clients, name, expected):
    client = clients["staff"]
    period_id = world.ids["a"]["period"]
    assert _upload_document(client, period_id, name, PDF).status_code == 303
    with app.app_context():
        doc_id = db.session.scalar(select(PeriodDocument.id).order_by(PeriodDocument.id.desc()))
    served = client.get(f"/periods/{period_id}/documents/{doc_id}")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert _download_name(served) == expected


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("evil.html", PDF, "evil.pdf"), ("photo.html", PNG, "photo.png"), ("写真.jpeg.exe", PNG, "写真.jpeg.png"),
], ids=["pdf-as-html", "png-as-html", "png-as-exe"])
def test_an_attachment_downloads_with_the_extension_of_what_it_is(app, world, clients, name, data, expected):
    period_id = world.ids["a"]["period"]
    assert _send_with(app.test_client(), period_id, [(io.BytesIO(data), name)]).status_code == 303
    with app.app_context():
        item = db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))
        submission_id, attachment_id = item.submission_id, item.id
    served = clients["staff"].get(f"/staff/submissions/{submission_id}/attachments/{attachment_id}")
    assert served.status_code == 200
    assert _download_name(served) == expected


def test_a_file_stored_under_its_uploaders_extension_still_downloads_as_what_it_is(app, world, clients):
    """Rows from before names were corrected keep their label; the download is named by the content."""
    client = clients["staff"]
    period_id = world.ids["a"]["period"]
    assert _upload_document(client, period_id, "draft.pdf", PDF).status_code == 303
    with app.app_context():
        doc = db.session.scalar(select(PeriodDocument).order_by(PeriodDocument.id.desc()))
        doc.filename, doc_id = "evil.html", doc.id
        db.session.commit()
    assert _download_name(client.get(f"/periods/{period_id}/documents/{doc_id}")) == "evil.pdf"
