"""The web send's one statement on PostgreSQL (app/submissions/pgsend.py) writes the open rule and the
receipt number's format again in SQL: these tests hold them to ``check_web_open`` and ``receipt_number``.
On SQLite the same calls take the Python path, so the tests hold there trivially and bite on PostgreSQL."""

import json
from datetime import timedelta

from sqlalchemy import select, update

from app.core.models import OutboxJob
from app.core.timeutil import utcnow
from app.extensions import db
from app.periods.models import CommentPeriod
from app.submissions import services
from app.submissions.services import Entry, Received, SubmissionError, Submitter
from tests.factories import CHANNELS

MOMENT = timedelta(microseconds=1)


def _send(period_id: int, key: str, now, *, email: str = "", secret: str = "ABCDEFGHIJKLMNOP"):
    """What the web send does under the lock, at the instant ``now``: (the submission, None) or (None, the code
    of the refusal)."""
    period = db.session.get(CommentPeriod, period_id)
    received = Received(submitter=Submitter(name="判定 花子", attribute="resident", email=email),
                        entries=[Entry(body="締切の前後に送った意見です。")])
    submission = services.new_submission(period, received, channel="web", received_at=now, idempotency_key=key,
                                         secret=secret)
    try:
        created = services._insert_and_number(period, submission, idempotency_key=key, secret=secret, locale="ja",
                                              now=now)
    except SubmissionError as error:
        return None, error.code
    return (submission, None) if created else (None, "repeat")


def test_the_send_judges_a_period_open_exactly_as_check_web_open_does(app, make_period):
    base = utcnow().replace(microsecond=0)
    opens, closes = base - timedelta(days=1), base + timedelta(days=1)
    period_id = make_period(opens_at=opens, closes_at=closes)
    cases = [({}, opens - MOMENT), ({}, opens), ({}, base), ({}, closes), ({}, closes + MOMENT),
             ({"status": "draft"}, base), ({"status": "withdrawn"}, base), ({"results_published_at": base}, base),
             ({"channels": {"post": CHANNELS["post"]}}, base), ({"channels": {}}, base),
             ({"status": "withdrawn"}, closes + MOMENT), ({"results_published_at": base}, opens - MOMENT)]
    seen = set()
    with app.test_request_context():
        for n, (changes, now) in enumerate(cases):
            db.session.execute(update(CommentPeriod).where(CommentPeriod.id == period_id).values(
                **({"opens_at": opens, "closes_at": closes, "status": "scheduled", "results_published_at": None,
                    "channels": dict(CHANNELS)} | changes)))
            period = db.session.get(CommentPeriod, period_id, populate_existing=True)
            try:
                services.check_web_open(period, now)
                expected = None
            except SubmissionError as error:
                expected = error.code
            submission, refused = _send(period_id, f"judged-by-the-statement-{n:04d}", now)
            assert refused == expected, (changes, now - base)
            if submission is not None:
                # The first number, stamped with the instant judged (a refusal is rolled back by the view).
                assert submission.received_at == now and submission.receipt_no == f"{period_id}-00001"
                assert db.session.scalar(select(CommentPeriod.receipt_counter)
                                         .where(CommentPeriod.id == period_id)) == 1
            seen.add(expected)
            db.session.rollback()
    assert seen == {None, "not_open_yet", "closed", "not_open", "withdrawn", "web_not_accepted"}


def test_numbers_and_the_receipt_mail_made_in_the_statement_are_those_of_receipt_number(app, make_period):
    """The counter past five digits, with and without a prefix: the number, and the mail's number and
    private link, as ``receipt_number`` and ``lookup_link`` make them."""
    now = utcnow()
    expected: dict[str, str] = {}
    with app.test_request_context():
        for prefix in ("", "SHIMO24"):
            period_id = make_period(receipt_prefix=prefix, receipt_counter=99_998)
            for n, counter in enumerate((99_999, 100_000, 100_001)):
                secret = f"ABCDEFGHIJKLMN{'XYZ'[n]}{prefix[:1] or 'Q'}"
                submission, refused = _send(period_id, f"number-{prefix or 'none'}-{n:04d}-abcdefgh", now,
                                            email="hanako@example.jp", secret=secret)
                assert refused is None
                number = services.receipt_number(CommentPeriod(id=period_id, receipt_prefix=prefix,
                                                               receipt_counter=counter))
                assert submission.receipt_no == number
                expected[number] = secret
            db.session.commit()
        mails = [args if isinstance(args, list) else json.loads(args) for args in db.session.scalars(select(OutboxJob.args))]
    assert len(mails) == len(expected) == 6
    for to, template, locale, context in mails:
        assert (to, template, locale) == ("hanako@example.jp", "submissions/email/receipt.txt", "ja")
        secret = expected[context["receipt_no"]]
        with app.test_request_context():
            assert context["lookup_url"] == services.lookup_link(context["receipt_no"], secret)
        assert context["lookup_code"] == services.format_secret(secret)
        assert context["entry_count"] == 1


def test_a_repeated_key_takes_no_number_and_writes_no_mail(app, make_period):
    period_id = make_period()
    now = utcnow()
    with app.test_request_context():
        first, refused = _send(period_id, "repeated-key-in-one-statement", now, email="hanako@example.jp")
        assert refused is None
        db.session.commit()
        again, refused = _send(period_id, "repeated-key-in-one-statement", now + MOMENT, email="hanako@example.jp")
        assert (again, refused) == (None, "repeat")
        db.session.commit()
        assert db.session.scalar(select(CommentPeriod.receipt_counter).where(CommentPeriod.id == period_id)) == 1
        assert len(db.session.scalars(select(OutboxJob)).all()) == 1
        following, refused = _send(period_id, "the-key-after-the-repeat", now + 2 * MOMENT)
        assert following.receipt_no == f"{period_id}-00002"
