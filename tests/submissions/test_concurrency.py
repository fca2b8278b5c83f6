"""Receipt numbers under concurrent submission on PostgreSQL: never a repeat, never a gap; a send's rows
written whole or not at all. Each both ways a send can go: in the caller's transaction, and as the web view
sends it, its one statement committing itself (``alone``, app/core/autocommit.py)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.core import autocommit
from app.core.settings import get_setting
from app.extensions import db
from app.periods.models import Section
from app.periods.pages import form_period
from app.submissions import services
from app.submissions.models import Submission, SubmissionEntry

THREADS = 16


@pytest.fixture(params=[False, True], ids=["in-a-transaction", "alone"])
def alone(request, app, monkeypatch):
    """Whether the sends go as the web view sends them: the period from the process's copy (no connection
    taken before the send), the statement its own transaction. On PostgreSQL every send then runs alone."""
    if not request.param:
        yield False
        return
    request.getfixturevalue("keeping")
    with app.app_context():
        engine = db.engine
    ran, run = [], autocommit.run
    monkeypatch.setattr(autocommit, "run", lambda statement, params: ran.append(1) or run(statement, params))
    yield True
    if engine.dialect.name == "postgresql":
        assert ran, "no send ran alone"


def _submit(app, period_id: int, key: str, barrier: threading.Barrier, alone: bool) -> str:
    with app.test_request_context():
        period = form_period(period_id) if alone else None  # as the view reads it, and holds it
        received = services.Received(submitter=services.Submitter(name="並行 太郎", attribute="resident"),
                                     entries=[services.Entry(body=f"同時に送った意見 {key}")])
        barrier.wait()
        submission, _ = services.submit_web(period_id, received, idempotency_key=key, alone=alone)
        db.session.commit()
        del period
        return submission.receipt_no


def _run(app, period_id: int, keys: list[str], alone: bool) -> list[str]:
    if alone:
        with app.test_request_context():
            form_period(period_id)  # the process's copy, as a confirmation page leaves it
            get_setting("period.min_days")  # and the settings
    barrier = threading.Barrier(len(keys))
    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(lambda key: _submit(app, period_id, key, barrier, alone), keys))


@pytest.mark.services
def test_concurrent_submissions_get_consecutive_receipt_numbers(app, committing_db, make_period, alone):
    period_id = make_period()
    numbers = _run(app, period_id, [f"concurrent-key-{n:04d}-abcdefgh" for n in range(THREADS)], alone)
    expected = [f"{period_id}-{n:05d}" for n in range(1, THREADS + 1)]
    assert sorted(numbers) == expected
    with app.app_context():
        assert sorted(db.session.scalars(select(Submission.receipt_no))) == expected


@pytest.mark.services
def test_the_same_key_sent_at_once_from_many_threads_makes_one_submission(app, committing_db, make_period, alone):
    period_id = make_period()
    numbers = _run(app, period_id, ["one-double-clicked-key-abcdefgh"] * 8, alone)
    assert set(numbers) == {f"{period_id}-00001"}
    with app.app_context():
        assert len(db.session.scalars(select(Submission)).all()) == 1
    # Seven repeats took a number each under the lock and gave it back: the next send is the second.
    assert _run(app, period_id, ["the-next-key-after-the-clicks-abcd"], alone) == [f"{period_id}-00002"]


def test_a_send_writes_its_entries_in_order_and_a_repeated_key_writes_none(app, make_period):
    """On PostgreSQL the submission and its entries go in one statement (the entries as arrays), on SQLite
    in two: either way the entries keep their order and sections, and a key the period has already
    writes nothing at all."""
    period_id = make_period()
    key = "entries-in-one-statement-0001"
    with app.test_request_context():
        section_id = db.session.scalar(select(Section.id).where(Section.period_id == period_id).limit(1))
        assert section_id is not None
        bodies = ["一つ目の意見です。", "二つ目の意見です。", "三つ目の意見です。"]
        received = services.Received(submitter=services.Submitter(name="順番 花子", attribute="resident"),
                                     entries=[services.Entry(body=bodies[0]),
                                              services.Entry(body=bodies[1], section_id=section_id),
                                              services.Entry(body=bodies[2])])
        first, created = services.submit_web(period_id, received, idempotency_key=key, secret="s" * 32)
        db.session.commit()
        assert created
        stored = db.session.execute(select(SubmissionEntry.id, SubmissionEntry.position, SubmissionEntry.section_id,
                                           SubmissionEntry.body).where(SubmissionEntry.submission_id == first.id)
                                    .order_by(SubmissionEntry.position)).all()
        assert [(row.position, row.section_id, row.body) for row in stored] == [
            (1, None, bodies[0]), (2, section_id, bodies[1]), (3, None, bodies[2])]
        assert [entry.id for entry in first.entries] == [row.id for row in stored]

        again, created = services.submit_web(period_id, received, idempotency_key=key, secret="s" * 32)
        db.session.commit()
        assert not created and again.id == first.id
        assert db.session.scalar(select(func.count()).select_from(SubmissionEntry)) == 3
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
        # The repeat gave back the number it took under the lock: the next send has the next one, no gap.
        following, created = services.submit_web(period_id, received, idempotency_key=key + "-next", secret="t" * 32)
        db.session.commit()
        assert created and following.receipt_no == f"{period_id}-00002"
