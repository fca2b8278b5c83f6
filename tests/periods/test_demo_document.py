"""The demo period says its draft is on the page: the demo loader puts a real PDF of it there."""

from sqlalchemy import select

from app.core import uploads
from app.extensions import db
from app.periods import demo as period_demo
from app.periods.models import CommentPeriod
from app.periods.services import DOCUMENT_AREA
from tests.periods.conftest import uploads_dir  # noqa: F401  (shared fixture)
from tests.responses.test_no_leaks import pdf_text


def test_demo_periods_carry_a_pdf_of_the_draft_made_from_their_sections(app, make_user, uploads_dir):  # noqa: F811
    from app.plans import demo as plan_demo

    make_user("staff", email="staff@example.jp", department="まちづくり政策課")
    with app.app_context():
        plan_demo.load()
        period_demo.load()
        db.session.commit()
        periods = db.session.scalars(select(CommentPeriod)).all()
        assert periods
        for period in periods:
            assert len(period.documents) == 1, period.title
            document = period.documents[0]
            data = (uploads.upload_root(DOCUMENT_AREA) / document.stored_name).read_bytes()
            assert data.startswith(b"%PDF") and document.content_type == "application/pdf"
            text = pdf_text(data)
            assert period.plan.title in text
            assert all(section.title in text for section in period.sections)
