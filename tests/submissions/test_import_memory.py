"""Batch import: a large file is written, and indexed for search, a batch at a time, so a worker holds
one batch's bigrams and not the whole file's (20,000 opinions at once took gigabytes)."""

from sqlalchemy import select

from app.extensions import db
from app.moderation.models import SearchDocument
from app.submissions import importing, services
from tests.submissions.test_import import HEADER, as_csv, rows, upload


def test_new_submissions_are_indexed_a_batch_at_a_time(app, login_as, make_period, monkeypatch):
    announced = []
    real_announce = services.announce_created
    monkeypatch.setattr(services, "announce_created", lambda batch: (announced.append(len(batch)),
                                                                      real_announce(batch)))
    period_id = make_period()
    client, _ = login_as("staff")
    count = 2 * importing.FLUSH_EVERY + 7
    app.config["IMPORT_INLINE_MAX_ROWS"] = count
    try:
        assert upload(client, period_id, as_csv([HEADER, *rows(count)])).status_code == 303
    finally:
        app.config["IMPORT_INLINE_MAX_ROWS"] = 500
    assert announced == [importing.FLUSH_EVERY, importing.FLUSH_EVERY, 7]
    with app.app_context():
        assert len(db.session.scalars(select(SearchDocument.submission_id)).all()) == count
