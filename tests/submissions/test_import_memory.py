"""Batch import: a large file is written a batch at a time, and indexed for search by the recurring job a
batch at a time, so a worker holds one batch's bigrams and not the whole file's (20,000 opinions at once
took gigabytes)."""

from sqlalchemy import select

from app.extensions import db
from app.moderation.models import SearchDocument
from app.moderation.services import search
from app.moderation.tasks import index_new
from app.submissions import importing
from tests.submissions.test_import import HEADER, as_csv, rows, upload


def test_an_imported_file_is_indexed_a_batch_at_a_time(app, login_as, make_period, monkeypatch):
    period_id = make_period()
    client, _ = login_as("staff")
    count = 2 * importing.FLUSH_EVERY + 7
    app.config["IMPORT_INLINE_MAX_ROWS"] = count
    try:
        assert upload(client, period_id, as_csv([HEADER, *rows(count)])).status_code == 303
    finally:
        app.config["IMPORT_INLINE_MAX_ROWS"] = 500
    written = []
    real_write = search._write_new
    monkeypatch.setattr(search, "_write_new", lambda texts: (written.append(len(texts)), real_write(texts)))
    with app.app_context():
        assert search.ensure_indexed(batch=importing.FLUSH_EVERY) == count  # what index_new runs, in batches of 500
        assert written == [importing.FLUSH_EVERY, importing.FLUSH_EVERY, 7]
        assert index_new() == 0
        assert len(set(db.session.scalars(select(SearchDocument.submission_id)).all())) == count
