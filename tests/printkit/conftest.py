"""A period with a published plan text, a built print kit, and its PDFs read back as a reader sees them."""

import base64
import re
import subprocess
import zlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.core.models import JobRun
from app.extensions import db
from tests.conftest import csrf_token

PLAN_TEXT = """この素案は印刷の試験用です。

# 第１章　計画策定の背景と趣旨

## １　計画の背景

地域のつながりが弱まり、担い手が不足しています。
市民と市が協働することが大切です。

※協働：立場の違う者どうしが力を合わせること。

## ２　計画の期間

【表１　関連する計画の期間】

| 計画 | 期間 |
|---|---|
| 下関市総合計画 | 令和12年度まで |
"""
# 令和9年1月15日（金）, closing at the end of the day in Japan.
CLOSES = datetime(2027, 1, 15, 14, 59, 59, tzinfo=UTC)
OPENS = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)


def pdf_text(data: bytes, tmp_path, name: str = "doc.pdf", *args: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", *args, "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def font_sizes(data: bytes) -> set[float]:
    """Every size the PDF shows text in: the ``Tf`` of each text object that draws a string (``Tj``),
    read from its page streams. (reportlab also opens each page with a text object that only sets a
    default font and draws nothing.)"""
    sizes = set()
    for match in re.finditer(rb"\bstream\r?\n(.*?)\s*endstream", data, re.S):
        raw = match.group(1).strip()
        if raw.endswith(b"~>"):  # reportlab writes page streams as ASCII85 of Flate
            raw = base64.a85decode(raw[:-2])
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            pass
        for text_object in re.findall(rb"\bBT\b(.*?)\bET\b", raw, re.S):
            if b"Tj" in text_object:
                sizes.update(float(size) for size in re.findall(rb"/F\d+ ([\d.]+) Tf", text_object))
    return sizes


@pytest.fixture
def kit_period(app, make_period, make_user):
    """An open period (the factory's sections, web/email/FAX/post channels) whose plan has a published
    素案; returns its id."""
    from app.accounts.models import User
    from app.periods.models import CommentPeriod
    from app.plantext import services

    period_id = make_period(opens_at=OPENS, closes_at=CLOSES,
                            field_rules={"name": "required", "address": "required", "attribute": "optional",
                                         "email": "optional", "phone": "hidden"})
    with app.app_context():
        period = db.session.get(CommentPeriod, period_id)
        staff = db.session.get(User, make_user("staff", department=period.plan.department))
        version = services.draft_version(period.plan, actor=staff)
        services.import_text(version, PLAN_TEXT, actor=staff)
        services.publish_version(version, actor=staff)
        db.session.commit()
    return period_id


@pytest.fixture
def build_kit(app, run_jobs):
    """Ask for the kit as ``client`` (staff) would and run the job; returns the finished run."""

    def build(client, period_id: int) -> JobRun:
        token = csrf_token(client, f"/staff/periods/{period_id}/edit")
        response = client.post(f"/staff/periods/{period_id}/print-kit", data={"csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        run_jobs()
        with app.app_context():
            run = db.session.scalar(select(JobRun).where(JobRun.kind == "print_kit", JobRun.subject_id == period_id)
                                    .order_by(JobRun.id.desc()))
            assert run is not None and run.state == "done", run and run.error
            db.session.expunge(run)
            return run

    return build
