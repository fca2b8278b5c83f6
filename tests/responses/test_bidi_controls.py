"""Bidirectional controls typed or pasted into an opinion, a summary or an answer are stored
without them, so no published page or file reorders what a reader sees."""

from datetime import date

from app.core.jobs import dispatch
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.responses import results
from tests.responses.conftest import user
from tests.spreadsheets import csv_cells

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_a_summary_and_answer_with_bidi_controls_are_stored_and_published_without_them(
        app, client, make_period, make_opinion, answered, run_jobs):
    period_id = make_period()
    opinion_id = make_opinion(period_id, summary="開館時間を\u202e延長\u202cしてほしい。", excerpt="開館\u2066時間\u2069")
    author_id, approver_id = answered(period_id, body="ご意見を\u202e参考\u202cにします。")
    with app.test_request_context():
        opinion = db.session.get(Opinion, opinion_id)
        assert (opinion.summary, opinion.excerpt) == ("開館時間を延長してほしい。", "開館時間")
        period = db.session.get(CommentPeriod, period_id)
        results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6),
                              full_text_note="全文は窓口で閲覧できます。", introduction="", actor=user(author_id))
        results.publish_result(period, actor=user(approver_id))
        db.session.commit()
        dispatch()
    run_jobs()
    page = client.get(f"/periods/{period_id}/result").get_data(as_text=True)
    assert "開館時間を延長してほしい。" in page and "ご意見を参考にします。" in page
    cells = csv_cells(client.get(f"/periods/{period_id}/result/download/csv").data)
    assert "開館時間を延長してほしい。" in cells and "ご意見を参考にします。" in cells
    for published in (page, *cells):
        assert not any(char in published for char in BIDI)
