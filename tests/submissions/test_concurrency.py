"""Receipt numbers under concurrent submission on PostgreSQL: never a repeat, never a gap."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app.extensions import db
from app.submissions import services
from app.submissions.models import Submission

THREADS = 16


def _submit(app, period_id: int, key: str, barrier: threading.Barrier) -> str:
    with app.test_request_context():
        received = services.Received(submitter=services.Submitter(name="並行 太郎", attribute="resident"),
                                     entries=[services.Entry(body=f"同時に送った意見 {key}")])
        barrier.wait()
        submission, _ = services.submit_web(period_id, received, idempotency_key=key)
        db.session.commit()
        return submission.receipt_no


def _run(app, period_id: int, keys: list[str]) -> list[str]:
    barrier = threading.Barrier(len(keys))
    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(lambda key: _submit(app, period_id, key, barrier), keys))


@pytest.mark.services
def test_concurrent_submissions_get_consecutive_receipt_numbers(app, committing_db, make_period):
    period_id = make_period()
    numbers = _run(app, period_id, [f"concurrent-key-{n:04d}-abcdefgh" for n in range(THREADS)])
    expected = [f"{period_id}-{n:05d}" for n in range(1, THREADS + 1)]
    assert sorted(numbers) == expected
    with app.app_context():
        assert sorted(db.session.scalars(select(Submission.receipt_no))) == expected


@pytest.mark.services
def test_the_same_key_sent_at_once_from_many_threads_makes_one_submission(app, committing_db, make_period):
    period_id = make_period()
    numbers = _run(app, period_id, ["one-double-clicked-key-abcdefgh"] * 8)
    assert set(numbers) == {f"{period_id}-00001"}
    with app.app_context():
        assert len(db.session.scalars(select(Submission)).all()) == 1
