"""A web send on PostgreSQL in one statement: the period locked, the time judged, the number taken, the
submission with its entries written and the receipt mail's outbox row with them.

As statements of their own (``UPDATE … RETURNING`` of the counter, the rows, the outbox row, each a round
trip with the period locked, and BEGIN and COMMIT) they cost a send 1.3 ms of the web process's CPU and
0.7 ms of PostgreSQL's, timed alone in a loop; in one statement 0.5 and 0.4 (bench/README.md,
twenty-fourth session). The lock is held from the statement's start to the commit that follows it: the
statement's own end when the web view's send runs it alone, as its own transaction (``app.core.autocommit``).

What the statement does, in order:
- ``locked``: the period row, locked (FOR NO KEY UPDATE: other senders wait, inserting a submission's
  foreign key does not), with the number the send would take;
- ``new_submission``: the submission, numbered, only if the period is open for the web at the instant
  the server took the send (``:received_at``) by the locked row's state and times, and only if the period
  has not got the key already (a repeat, which then waited for the first send's commit at the lock);
- ``counted``: the counter moved only when the submission went in, so neither a repeat nor a refusal
  leaves a gap;
- ``new_entries``, and the mail's outbox row when there is a mail, only with the submission.

The open rule is ``CommentPeriod.state(now) == "open"`` and the web among its channels, as
``services.check_web_open`` judges it; when no submission comes back, the service judges the returned
row with that function to say why (tests/submissions/test_pgsend.py holds the two to the same answers),
or finds the first send of a repeated key. The receipt number is ``services.receipt_number``'s format,
written here again in SQL (the same tests compare them).
"""

from functools import cache

from sqlalchemy import bindparam, text

from app.core.jobs import outbox_bindparams, outbox_insert_sql
from app.core.mail import email_args_sql
from app.periods.models import CommentPeriod
from app.submissions.models import Submission

_SUBMISSIONS = Submission.__table__
_PERIODS = CommentPeriod.__table__
# Every column the send gives, but the number, which the statement makes.
COLUMNS = tuple(column.key for column in _SUBMISSIONS.columns if column.key not in ("id", "receipt_no"))
# What the locked row says of the period, returned for ``services.check_web_open`` when nothing went in.
LOCKED = ("status", "results_published_at", "opens_at", "closes_at", "channels")

# ``services.receipt_number``: the prefix (else the period's id), "-", the counter in at least five digits.
_NUMBER = ("coalesce(nullif(locked.receipt_prefix, ''), CAST(locked.id AS text)) || '-' || "
           "CASE WHEN locked.number < 100000 THEN lpad(CAST(locked.number AS text), 5, '0') "
           "ELSE CAST(locked.number AS text) END")
_OPEN_FOR_THE_WEB = ("locked.status NOT IN ('draft', 'withdrawn') AND locked.results_published_at IS NULL "
                     "AND locked.opens_at <= :received_at AND :received_at <= locked.closes_at "
                     "AND CAST(locked.channels AS jsonb) ? 'web'")


@cache
def send_statement(with_mail: bool, wake: bool):
    """The statement, with the receipt mail's outbox row (its number and private link filled in from the
    number made here) or without it; ``wake``: the outbox drainer is notified (``jobs.drainer_mode``).
    Built from the tables' own column names and constants: nothing from a request."""
    mail = ""
    if with_mail:
        args = email_args_sql({"receipt_no": "new_submission.receipt_no",
                               "lookup_url": "CAST(:lookup_before AS text) || new_submission.receipt_no "
                                             "|| CAST(:lookup_after AS text)"})
        mail = f", receipt_mail AS ({outbox_insert_sql('new_submission', args, wake=wake)})"
    sql = (
        f"WITH locked AS (SELECT id, receipt_counter + 1 AS number, receipt_prefix, {', '.join(LOCKED)} "  # noqa: S608
        "FROM comment_periods WHERE id = :period_id FOR NO KEY UPDATE), "
        f"new_submission AS (INSERT INTO submissions ({', '.join(COLUMNS)}, receipt_no) "
        f"SELECT {', '.join(':' + column for column in COLUMNS)}, {_NUMBER} FROM locked WHERE {_OPEN_FOR_THE_WEB} "
        "ON CONFLICT (period_id, idempotency_key) DO NOTHING RETURNING id, receipt_no), "
        "counted AS (UPDATE comment_periods SET receipt_counter = receipt_counter + 1, updated_at = updated_at "
        "WHERE id = :period_id AND EXISTS (SELECT FROM new_submission)), "
        "new_entries AS (INSERT INTO submission_entries (submission_id, position, section_id, body) "
        "SELECT new_submission.id, given.position, given.section_id, given.body FROM new_submission, "
        "unnest(CAST(:positions AS integer[]), CAST(:section_ids AS integer[]), CAST(:bodies AS text[])) "
        f"AS given(position, section_id, body) RETURNING id, position){mail} "
        f"SELECT locked.number, {', '.join('locked.' + name for name in LOCKED)}, "
        "new_submission.id AS submission_id, new_submission.receipt_no, "
        "ARRAY(SELECT id FROM new_entries ORDER BY position) AS entry_ids "
        "FROM locked LEFT JOIN new_submission ON true"
    )
    params = [bindparam(column, type_=_SUBMISSIONS.c[column].type) for column in COLUMNS]
    if with_mail:
        params += outbox_bindparams()
    # The period's columns come back as the model reads them (aware UTC times, the channels as JSON).
    return text(sql).bindparams(*params).columns(**{name: _PERIODS.c[name].type for name in LOCKED})
