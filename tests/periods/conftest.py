"""Factories for comment periods: a period under a published plan, open now unless told otherwise."""

from datetime import timedelta

import pytest

from app.core.timeutil import utcnow
from app.extensions import db

SECTIONS = [("第1章 1", "計画の背景"), ("第1章 2", "計画の趣旨"), ("第1章 3", "計画策定の位置付け")]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def make_period(app, make_plan):
    from app.periods import services
    from app.periods.models import CommentPeriod, default_field_rules

    def make(*, plan_id=None, opens_at=None, closes_at=None, status="scheduled", sections=SECTIONS,
             channels=None, field_rules=None, title="意見募集テスト", **extra):
        plan_id = plan_id or make_plan()
        now = utcnow()
        with app.app_context():
            period = CommentPeriod(
                plan_id=plan_id, title=title, opens_at=opens_at or now - timedelta(days=5),
                closes_at=closes_at or now + timedelta(days=30),
                channels=channels if channels is not None else {"web": "", "email": "iken@example.jp",
                                                                  "fax": "083-000-1234", "post": "下関市南部町1-1"},
                field_rules=field_rules or default_field_rules(), eligibility=["resident", "worker", "student"],
                viewing_places=["本庁舎"], contact_department="まちづくり政策課", status=status, **extra)
            db.session.add(period)
            db.session.flush()
            if sections:
                services.save_sections(period, [services.SectionRow(None, label, title, f"{title}の本文")
                                                for label, title in sections], actor=None)
            db.session.commit()
            return period.id

    return make


@pytest.fixture
def uploads_dir(app, tmp_path):
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = saved


@pytest.fixture
def count_rows(app):
    from sqlalchemy import func, select

    def count(model) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return count
