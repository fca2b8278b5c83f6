"""Submissions (提出): receiving opinions from every channel. Functions flush; views and jobs commit.

The rules kept here:
- The server's clock decides. The period row is locked, the time judged against what the locked row
  says, and the submission numbered, all in the caller's one transaction: nothing sent after the
  closing instant gets in. Paper entries and SQLite's web sends read the clock once the lock is held;
  a web send on PostgreSQL reads it just before the statement that locks (the instant the server took
  it, so two sends a moment apart may be numbered the other way round).
- Receipt numbers come from a counter on the locked period row, so concurrent submissions get
  consecutive numbers that never repeat; a rolled-back submission gives its number back.
- The lock is the one place where citizens' sends wait for each other, so it is held for only what
  a send must do under it. On PostgreSQL a web send is one statement (``pgsend``): lock, judgement,
  number, rows and the receipt email's outbox row, then the commit. On SQLite it takes the lock by
  counting its number (``UPDATE … RETURNING``), judges the time, writes its rows numbered and asks for
  the receipt email, a statement each, and commits. (Writing the rows first and numbering them under
  the lock wrote each row twice.)
- A retried POST carries the same idempotency key and finds the first submission instead of
  making a second one. Keys are scoped to their period, and the server hands them out (the views
  accept only a key the sender's session was given, app.core.formkeys).
- The citizen's lookup secret is random, made by the server with the key, never derived from
  anything a client sends; only its sha256 is stored. A repeat finds the first submission only
  when it also carries that secret, so a replayed key shows nothing of the person who sent first.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from flask import current_app
from sqlalchemy import bindparam, func, insert, inspect, or_, select, text, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.core import autocommit, signals, uploads
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.jobs import drainer_mode, outbox_row, outbox_written
from app.core.mail import email_args, send_email
from app.core.statements import insert_unless_present
from app.core.timeutil import jst_start_of_day, to_jst, utcnow
from app.extensions import db
from app.periods.models import CommentPeriod, default_field_rules
from app.periods.pages import in_session
from app.periods.services import attribute_pairs
from app.submissions import pgsend
from app.submissions.models import Attachment, Submission, SubmissionEntry

ATTACHMENT_AREA = "submissions"
ATTACHMENT_KINDS = ("application/pdf", "image/jpeg", "image/png")
PAPER_CHANNELS = ("email", "fax", "post", "in_person")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class SubmissionError(DomainError):
    """A broken rule; ``field`` names the form field the message belongs next to."""

    def __init__(self, code: str, field: str = "", **params):
        super().__init__(code, field, **params)

    def describe(self) -> str:
        from app.submissions.messages import error_message  # the wording imports this class

        return error_message(self)


@dataclass
class Submitter:
    name: str = ""
    address: str = ""
    attribute: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class Entry:
    body: str
    section_id: int | None = None


@dataclass
class Received:
    """What a submission carries besides its channel and time."""

    submitter: Submitter
    entries: list[Entry]
    files: list[uploads.CheckedFile] = field(default_factory=list)


# --- secrets and receipt numbers ---


CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # base32: no 0 or 1 to take for O or I


def new_lookup_secret() -> str:
    """16 characters of A-Z2-7 from the system's random source: short enough to copy from a paper
    slip, 80 bits of secret."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))


def normalize_secret(text: str) -> str:
    return re.sub(r"[^A-Z2-7]", "", (text or "").upper())


def format_secret(secret: str) -> str:
    return "-".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def token_hash(secret: str) -> str:
    return hashlib.sha256(normalize_secret(secret).encode()).hexdigest()


def lookup_link(receipt_no: str, secret: str) -> str:
    """The private link in emails, on receipts and on paper slips; built from SITE_URL so a job can
    write it too. The code rides in the fragment, which browsers never send: it reaches no server's
    log. The lookup page fills it into its form (or the reader types it in) and POSTs it."""
    before, after = lookup_link_around(secret)
    return f"{before}{quote(receipt_no)}{after}"


def lookup_link_around(secret: str) -> tuple[str, str]:
    """What comes before and after the receipt number in ``lookup_link``, for a statement that makes the
    number itself (``pgsend``); a number is capital letters, digits and "-", which need no quoting."""
    return f"{current_app.config['SITE_URL'].rstrip('/')}/lookup?receipt=", f"#code={format_secret(secret)}"


def receipt_number(period: CommentPeriod) -> str:
    return f"{period.receipt_prefix or period.id}-{period.receipt_counter:05d}"


def find_by_key(period_id: int, idempotency_key: str) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.period_id == period_id,
                                                      Submission.idempotency_key == idempotency_key))


def _earlier(period_id: int, idempotency_key: str, secret: str | None) -> Submission | None:
    """The first send of a repeated key, if the repeat also holds its secret. ``secret`` None is a
    server-side caller (the demo) that owns its keys."""
    earlier = find_by_key(period_id, idempotency_key)
    if earlier is None or secret is None or earlier.lookup_token_hash == token_hash(secret):
        return earlier
    raise SubmissionError("key_taken")


_LOOKUP_PARTS = (joinedload(Submission.entries), joinedload(Submission.attachments))
_LOOKUP_WITH_PERIOD = (joinedload(Submission.period), *_LOOKUP_PARTS)


def find_for_lookup(receipt_no: str, secret: str, *, with_period: bool = True) -> Submission | None:
    """The submission whose receipt number and secret both match; None says nothing about which failed.
    ``with_period`` False leaves the period to the caller: the receipt page takes the copy its process
    keeps (``periods.pages.form_period``), and ``submission.period`` then finds it in the session."""
    receipt_no = (receipt_no or "").strip().upper()
    if not receipt_no or not normalize_secret(secret):
        return None
    # The receipt and lookup pages show the period, the entries and the files: one query (a person sends a few
    # entries and files; the files' own query, "selectin", was a fifth of the receipt page's CPU, bench/README.md).
    return db.session.scalars(
        select(Submission).where(Submission.lookup_token_hash == token_hash(secret), Submission.receipt_no == receipt_no)
        .options(*(_LOOKUP_WITH_PERIOD if with_period else _LOOKUP_PARTS))
    ).unique().first()


def lookup_extras(submission: Submission) -> list[tuple[str, dict]]:
    return [extra for _receiver, extra in signals.lookup_sections.send(submission) if extra is not None]


# --- checks shared by every channel ---


def check_received(period: CommentPeriod, received: Received, *, web: bool) -> None:
    """Body present and within the limit, sections of this period, attribute known, required details given."""
    entries = received.entries
    if not entries or not any(entry.body.strip() for entry in entries):
        raise SubmissionError("body_required", "entries-0-body")
    section_ids = period.section_ids() if any(entry.section_id is not None for entry in entries) else set()
    for index, entry in enumerate(entries):
        if not entry.body.strip():
            raise SubmissionError("body_required", f"entries-{index}-body")
        if len(entry.body) > period.body_max_length:
            raise SubmissionError("body_too_long", f"entries-{index}-body", count=len(entry.body),
                                  max=period.body_max_length)
        if entry.section_id is not None and entry.section_id not in section_ids:
            raise SubmissionError("section_foreign", f"entries-{index}-section")
    submitter = received.submitter
    known = {code for code, _ in attribute_pairs()}
    allowed = set(period.eligibility) & known if web and period.eligibility else known
    if submitter.attribute and submitter.attribute not in allowed:
        raise SubmissionError("attribute_unknown", "attribute")
    if web:
        rules = {**default_field_rules(), **period.field_rules}
        for name, rule in rules.items():
            if rule == "required" and not getattr(submitter, name).strip():
                raise SubmissionError("detail_required", name)
            if rule == "hidden" and getattr(submitter, name):
                raise SubmissionError("detail_not_asked", name)
        if len(received.files) > period.max_attachments:
            raise SubmissionError("too_many_files", "attachments", max=period.max_attachments)


def check_uploads(files, *, max_count: int, max_bytes: int) -> list[uploads.CheckedFile]:
    """Every file read and checked by its content before anything is written or locked."""
    files = uploads.given_files(files)
    if len(files) > max_count:
        raise SubmissionError("too_many_files", "attachments", max=max_count)
    checked = []
    for storage in files:
        try:
            checked.append(uploads.check_file(storage, allowed=ATTACHMENT_KINDS, max_bytes=max_bytes))
        except uploads.UploadError as error:
            raise SubmissionError(f"file_{error.code}", "attachments", name=error.filename,
                                  mb=max_bytes // (1024 * 1024)) from error
    return checked


def lock_period(period_id: int) -> CommentPeriod:
    """The period row, locked until the transaction ends, with its counter read fresh from the database.

    FOR NO KEY UPDATE on PostgreSQL: it excludes the other senders, but not the key-share locks that
    inserting a submission (a foreign key to this row) takes, so the holder inserts its rows under it and
    nobody else's insert waits for it. SQLite serialises writers with BEGIN IMMEDIATE.
    """
    period = db.session.scalar(select(CommentPeriod).where(CommentPeriod.id == period_id)
                               .with_for_update(key_share=True).execution_options(populate_existing=True))
    if period is None:
        raise SubmissionError("not_found")
    return period


# What judging a send under the lock reads of its period, and the counter that numbers it.
_PERIODS = CommentPeriod.__table__
_LOCKED = ("receipt_counter", "receipt_prefix", "status", "results_published_at", "opens_at", "closes_at",
           "channels")
# Numbering a receipt is not an edit of the period: ``updated_at`` (which the print kit compares with its
# build, to tell staff to print it again) keeps its value instead of taking the column's ``onupdate``.
_COUNT = (update(_PERIODS).where(_PERIODS.c.id == bindparam("period_id"))
          .values(receipt_counter=_PERIODS.c.receipt_counter + 1, updated_at=_PERIODS.c.updated_at)
          .returning(*(_PERIODS.c[name] for name in _LOCKED)))
# A number taken for a send that turned out to be a repeat goes back, under the same lock: no gap.
_GIVE_BACK = (update(_PERIODS).where(_PERIODS.c.id == bindparam("period_id"))
              .values(receipt_counter=_PERIODS.c.receipt_counter - 1, updated_at=_PERIODS.c.updated_at))


def count_under_lock(period_id: int) -> CommentPeriod:
    """Take the period's next receipt number: one ``UPDATE … RETURNING`` that moves the counter, locks
    the row until the transaction ends (as FOR NO KEY UPDATE does, the counter being no key) and gives
    back what the send is judged by (state, times, channels), as the lock holds it. A rollback gives the
    number back. ``period.receipt_counter`` is then the caller's number.

    Only those columns come back, set on the session's period as loaded from the database (the rest of
    the row, its texts and JSON, was read before the send and is not read again)."""
    row = db.session.execute(_COUNT, {"period_id": period_id}).one_or_none()
    if row is None:
        raise SubmissionError("not_found")
    period = db.session.get(CommentPeriod, period_id)
    for name, value in zip(_LOCKED, row, strict=True):
        set_committed_value(period, name, value)
    return period


def new_submission(period: CommentPeriod, received: Received, *, channel: str, received_at: datetime,
                   idempotency_key: str, secret: str | None = None, actor=None) -> Submission:
    """A submission built from what was received, with its attachments stored; not numbered or added yet.
    Without ``secret`` it gets a random one that nobody is shown (staff can issue a new one)."""
    submitter = received.submitter
    submission = Submission(
        period_id=period.id, channel=channel, received_at=received_at,
        entered_by_id=getattr(actor, "id", None), name=submitter.name, address=submitter.address,
        attribute=submitter.attribute, email=submitter.email, phone=submitter.phone,
        lookup_token_hash=token_hash(secret or new_lookup_secret()), idempotency_key=idempotency_key,
        entries=[SubmissionEntry(position=position, section_id=entry.section_id, body=entry.body)
                 for position, entry in enumerate(received.entries, start=1)],
        # Given even when empty, so that reading them back before the commit costs no query.
        attachments=[Attachment(filename=checked.filename, stored_name=uploads.store(checked, ATTACHMENT_AREA),
                                content_type=checked.content_type, size=checked.size, sha256=checked.sha256)
                     for checked in received.files],
    )
    return submission


def number_submission(period: CommentPeriod, submission: Submission) -> None:
    """The next receipt number of a period the caller has locked."""
    period.receipt_counter += 1
    period.updated_at = CommentPeriod.updated_at  # a receipt number is not an edit (see ``_COUNT``)
    submission.receipt_no = receipt_number(period)


def create_submission(period: CommentPeriod, received: Received, *, channel: str, received_at: datetime,
                      idempotency_key: str, secret: str | None = None, actor=None, flush: bool = True) -> Submission:
    """Number and insert one submission on a period the caller has locked and checked (paper, import).

    With ``flush`` (the default) the new row is flushed; a caller that batches (the import) passes False and
    flushes the whole batch itself.
    """
    submission = new_submission(period, received, channel=channel, received_at=received_at,
                                idempotency_key=idempotency_key, secret=secret, actor=actor)
    number_submission(period, submission)
    db.session.add(submission)
    if flush:
        db.session.flush()
    return submission


def stored_names(submission: Submission) -> list[str]:
    return [attachment.stored_name for attachment in submission.attachments]


# --- the channels ---

CLOSED_CODES = {"draft": "not_open", "withdrawn": "withdrawn", "scheduled": "not_open_yet", "closed": "closed",
                "published": "closed"}


def check_web_open(period: CommentPeriod, now: datetime) -> None:
    state = period.state(now)
    if state != "open":
        raise SubmissionError(CLOSED_CODES[state], closes_at=period.closes_at)
    if "web" not in period.channels:
        raise SubmissionError("web_not_accepted")


def submit_web(period_id: int, received: Received, *, idempotency_key: str, secret: str | None = None,
               locale: str = "ja", now: datetime | None = None, alone: bool = False,
               period: CommentPeriod | None = None) -> tuple[Submission, bool]:
    """A citizen's web submission with the lookup ``secret`` issued with its key. Returns
    (submission, created): a repeated key with the same secret gives the first one; with another
    secret it is refused ("key_taken") and shows nothing.

    ``now`` is for the demo's past submissions; requests leave it to the server's clock. ``alone``: the
    caller's transaction has written nothing, so on PostgreSQL a send without files may be committed by its
    own statement at once (``app.core.autocommit``); the web view's send, which writes nothing before it.
    ``period``: the period as the caller read it, which may be the process's kept copy outside the session
    (``form_period(attach=False)``): read here, never changed; what the send is judged by is read again
    under the period's lock.
    """
    period = period if period is not None else db.session.get(CommentPeriod, period_id)
    if period is None:
        raise SubmissionError("not_found")
    try:
        check_web_open(period, now or utcnow())  # a quick answer; the time is judged again under the lock
        check_received(period, received, web=True)
    except SubmissionError:
        # A retry that comes after the closing instant still finds what was sent in time.
        earlier = _earlier(period_id, idempotency_key, secret)
        if earlier is not None:
            return earlier, False
        raise
    # No look-up of the key first: the unique key says whether this is a repeat, and costs the
    # first send nothing.
    code = secret or new_lookup_secret()
    submission = new_submission(period, received, channel="web", received_at=now or utcnow(),
                                idempotency_key=idempotency_key, secret=code)
    # From here on its files are on disk: whatever stops the send also takes them away again.
    try:
        numbered = _insert_and_number(period, submission, idempotency_key=idempotency_key, secret=code,
                                      locale=locale, now=now, alone=alone)
    except Exception:
        discard_files(submission)
        raise
    if numbered:
        return submission, True
    discard_files(submission)
    return _earlier(period_id, idempotency_key, secret), False


def _insert_and_number(period: CommentPeriod, submission: Submission, *, idempotency_key: str, secret: str,
                       locale: str, now: datetime | None, alone: bool = False) -> bool:
    """Lock the period to take its next number and judge the time, then insert the submission numbered.
    False when the key was sent before (or at once from another tab): that send's row is committed by
    then, and this one is not added; its number is given back.

    The rows are written by Core statements, not by flushing ORM objects (a third of a send's CPU went
    to the flushes, bench/README.md): ``submission`` stays outside the session, with the ids and the
    number it was given, for the caller to read. Numbered before it is inserted, not after: inserting it
    unnumbered and numbering it under the lock wrote the row twice, and its seven indexes with it
    (bench/README.md, twenty-first session); the lock is held for the insert instead of an update."""
    period_id = period.id
    if db.session.get_bind().dialect.name == "postgresql":
        return _send_in_one_statement(period, submission, idempotency_key=idempotency_key, secret=secret,
                                      locale=locale, received_at=now or utcnow(), alone=alone)
    # From the counter to the commit the period is locked: a number, the rows and the outbox row. The
    # counter is set on the session's period: a kept copy goes into the session first (no query), and is
    # held here while ``count_under_lock`` looks it up (the session holds what nobody refers to weakly).
    period = in_session(period)
    period = count_under_lock(period_id)
    # Read the clock only once the lock is held: this is the instant the submission is judged by.
    now = now or utcnow()
    check_web_open(period, now)
    submission.received_at = now
    submission.receipt_no = receipt_number(period)
    if not insert_web_rows(submission):
        # The other send holds the key (a repeat waits for the first one's transaction, then finds its row).
        db.session.execute(_GIVE_BACK, {"period_id": period_id})
        if find_by_key(period_id, idempotency_key) is None:
            raise SubmissionError("key_taken")  # not expected: the row that held the key is gone again
        return False
    if submission.email:
        send_email.delay(*receipt_mail(submission, period.title, locale, secret, receipt_no=submission.receipt_no,
                                       lookup_url=lookup_link(submission.receipt_no, secret)))
    return True


def receipt_mail(submission: Submission, title: str, locale: str, secret: str, *, receipt_no: str,
                 lookup_url: str) -> tuple:
    """``send_email``'s arguments for the receipt of a web send, with its number and private link (left
    empty for the statement that makes them, ``pgsend``)."""
    return email_args(submission.email, "submissions/email/receipt.txt", locale, period_title=title,
                      receipt_no=receipt_no, received_at=submission.received_at.isoformat(), lookup_url=lookup_url,
                      lookup_code=format_secret(secret), entry_count=len(submission.entries))


def _send_in_one_statement(period: CommentPeriod, submission: Submission, *, idempotency_key: str, secret: str,
                           locale: str, received_at: datetime, alone: bool) -> bool:
    """``_insert_and_number`` on PostgreSQL: the lock, the judgement, the number, the rows and the receipt
    mail's outbox row in one statement (``pgsend``). The time judged is the instant the server took the
    send, read before the statement: a send that then waits for the period's lock is judged by when it
    came, so two sends a moment apart may be numbered the other way round.

    ``alone`` (``submit_web``), with no files to write after it: the statement is its own transaction,
    committed when it returns, and the period is locked only while it runs."""
    period_id = period.id
    submission.received_at = received_at
    submission.created_at = submission.created_at or utcnow()
    submission.state = submission.state or "new"
    entries = submission.entries
    params = {column: value if (value := getattr(submission, column)) is not None else _default(column)
              for column in pgsend.COLUMNS}
    params |= {"period_id": period_id, "positions": [entry.position for entry in entries],
               "section_ids": [entry.section_id for entry in entries], "bodies": [entry.body for entry in entries]}
    mail = None
    if submission.email:
        # The number and the private link are filled in by the statement, which makes the number.
        mail = outbox_row(send_email, *receipt_mail(submission, period.title, locale, secret, receipt_no="",
                                                    lookup_url=""))
        before, after = lookup_link_around(secret)
        params |= mail | {"lookup_before": before, "lookup_after": after}
    statement = pgsend.send_statement(mail is not None, drainer_mode())
    committed = alone and not submission.attachments and autocommit.possible()
    if committed:
        row = autocommit.run(statement, params)
    else:
        found = db.session.execute(statement, params).one_or_none()
        row = found._asdict() if found is not None else None
    if row is None:
        raise SubmissionError("not_found")
    if row["submission_id"] is None:
        # Not open at that instant (the locked row says why), or the key was sent before. The session's
        # period takes what the lock read; a kept copy goes into the session for it, and stays as it was.
        period = in_session(period)
        for name in pgsend.LOCKED:
            set_committed_value(period, name, row[name])
        check_web_open(period, received_at)
        if find_by_key(period_id, idempotency_key) is None:
            raise SubmissionError("key_taken")  # not expected: the row that held the key is gone again
        return False
    if not inspect(period).detached:
        set_committed_value(period, "receipt_counter", row["number"])
    submission.id, submission.receipt_no = row["submission_id"], row["receipt_no"]
    for entry, entry_id in zip(entries, row["entry_ids"], strict=True):
        entry.submission_id, entry.id = submission.id, entry_id
    _insert_attachments(submission)
    if mail is not None:
        outbox_written(mail, committed=committed)
    return True


_SUBMISSIONS = Submission.__table__
_ENTRIES = SubmissionEntry.__table__
_ATTACHMENTS = Attachment.__table__


def insert_web_rows(submission: Submission) -> bool:
    """Write a new (transient) submission, its entries and attachments with Core inserts, and give the
    objects their ids; False, with nothing written, when its idempotency key is already in the period."""
    submission.created_at = submission.created_at or utcnow()
    submission.state = submission.state or "new"
    dialect = db.session.get_bind().dialect.name
    # No row back when the key was taken (a repeated send waits for the first one's transaction, then
    # finds its row).
    if dialect == "postgresql":
        inserted = _insert_with_entries(submission)
        if inserted is None:
            return False
        submission.id, entry_ids = inserted
        for entry, entry_id in zip(submission.entries, entry_ids, strict=True):
            entry.submission_id, entry.id = submission.id, entry_id
    else:
        # The columns left unset take their defaults from the insert.
        row = {column: value for column in _SUBMISSION_COLUMNS if (value := getattr(submission, column)) is not None}
        submission.id = db.session.execute(
            insert_unless_present(_SUBMISSIONS, ("period_id", "idempotency_key"), dialect, "id"), row).scalar()
        if submission.id is None:
            return False
        for entry in submission.entries:
            entry.submission_id = submission.id
        _insert_children(_ENTRIES, submission.entries, ("submission_id", "position", "section_id", "body"))
    _insert_attachments(submission)
    return True


def _insert_attachments(submission: Submission) -> None:
    if submission.attachments:
        created = utcnow()
        for attachment in submission.attachments:
            attachment.submission_id, attachment.created_at = submission.id, created
        _insert_children(_ATTACHMENTS, submission.attachments,
                         ("submission_id", "filename", "stored_name", "content_type", "size", "sha256", "created_at"))


# The submission and its entries in one statement on PostgreSQL, the entries' columns sent as arrays; no
# entry is written when the key was taken (the submission's insert then returns no row). Built from the
# tables' own column names: nothing from a request.
_SUBMISSION_COLUMNS = tuple(column.key for column in _SUBMISSIONS.columns if column.key != "id")
_INSERT_WITH_ENTRIES = text(
    f"WITH new_submission AS (INSERT INTO submissions ({', '.join(_SUBMISSION_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + column for column in _SUBMISSION_COLUMNS)}) "
    "ON CONFLICT (period_id, idempotency_key) DO NOTHING RETURNING id), "
    "new_entries AS (INSERT INTO submission_entries (submission_id, position, section_id, body) "
    "SELECT new_submission.id, given.position, given.section_id, given.body FROM new_submission, "
    "unnest(CAST(:positions AS integer[]), CAST(:section_ids AS integer[]), CAST(:bodies AS text[])) "
    "AS given(position, section_id, body) RETURNING id, position) "
    "SELECT id, ARRAY(SELECT id FROM new_entries ORDER BY position) FROM new_submission"
).bindparams(*[bindparam(column, type_=_SUBMISSIONS.c[column].type) for column in _SUBMISSION_COLUMNS])


def _insert_with_entries(submission: Submission) -> tuple[int, list[int]] | None:
    """(submission id, entry ids in order), or None when the period has the key already. Every column is
    given: an unset one its default, as an ``insert()`` would give it."""
    entries = submission.entries
    values = {column: value if (value := getattr(submission, column)) is not None else _default(column)
              for column in _SUBMISSION_COLUMNS}
    found = db.session.execute(_INSERT_WITH_ENTRIES, values | {
        "positions": [entry.position for entry in entries], "section_ids": [entry.section_id for entry in entries],
        "bodies": [entry.body for entry in entries]}).one_or_none()
    return None if found is None else (found[0], list(found[1]))


def _default(column: str):
    default = _SUBMISSIONS.c[column].default
    return default.arg if default is not None and default.is_scalar else None


def _insert_children(table, objects: list, columns: tuple[str, ...]) -> None:
    """One insert of many rows (psycopg sends them as one statement), RETURNING ids in their order."""
    if not objects:
        return
    ids = db.session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [{name: getattr(obj, name) for name in columns} for obj in objects]).scalars().all()
    for obj, new_id in zip(objects, ids, strict=True):
        obj.id = new_id


def discard_files(submission: Submission) -> None:
    """Remove the stored files of a submission that is not being kept."""
    for name in stored_names(submission):
        uploads.remove(ATTACHMENT_AREA, name)


def check_paper_date(period: CommentPeriod, received_on: date, today: date) -> None:
    """The postmark or the desk's date decides, day by day in Japan time."""
    if received_on > today:
        raise SubmissionError("received_in_future", "received_on")
    if received_on < to_jst(period.opens_at).date():
        raise SubmissionError("received_before_open", "received_on")
    if received_on > to_jst(period.closes_at).date():
        raise SubmissionError("received_late", "received_on", closes_at=period.closes_at)


def check_paper_period(period: CommentPeriod) -> None:
    if period.status in ("draft", "withdrawn"):
        raise SubmissionError("period_not_accepting", "channel")
    if period.results_published_at is not None:
        raise SubmissionError("results_published", "channel")


def enter_paper(period_id: int, received: Received, *, channel: str, received_on: date, idempotency_key: str,
                actor, secret: str | None = None, today: date | None = None) -> tuple[Submission, bool]:
    """Staff enter what came by email, FAX, post or at the desk; in time if received by the last day,
    even when they type it in after the period closed. ``secret`` is the lookup code for the slip,
    issued with the key; a repeated key gives the first entry back, as for the web."""
    period = lock_period(period_id)
    existing = _earlier(period_id, idempotency_key, secret)
    if existing is not None:
        return existing, False
    if channel not in PAPER_CHANNELS:
        raise SubmissionError("channel_unknown", "channel")
    check_paper_period(period)
    check_paper_date(period, received_on, today or to_jst(utcnow()).date())
    check_received(period, received, web=False)
    submission = create_submission(period, received, channel=channel, received_at=jst_start_of_day(received_on),
                                   idempotency_key=idempotency_key, secret=secret, actor=actor)
    record_audit("submission.enter", submission, actor=actor,
                 details={"period_id": period.id, "channel": channel, "receipt_no": submission.receipt_no})
    return submission, True


def reissue_lookup_code(submission: Submission, *, actor) -> str:
    """A new lookup code for a slip, when the first was never shown (an import) or is lost; the old
    code stops working. Only its hash is kept, so the caller shows the returned code once."""
    if not submission.period.can_edit(actor):
        raise SubmissionError("forbidden")
    secret = new_lookup_secret()
    submission.lookup_token_hash = token_hash(secret)
    db.session.flush()
    record_audit("submission.reissue_code", submission, actor=actor,
                 details={"period_id": submission.period_id, "receipt_no": submission.receipt_no})
    return secret


def entries_on_sections(section_ids: list[int]) -> int:
    """How many opinions citizens wrote point at these sections (signals.section_in_use)."""
    return db.session.scalar(select(func.count()).select_from(SubmissionEntry)
                             .where(SubmissionEntry.section_id.in_(section_ids))) or 0


# --- retention (app.core.retention) ---


def purge_personal_data(cutoff: datetime) -> tuple[str, int]:
    """Blank the submitter's details and delete the attached files of every submission to a period
    whose result was published before ``cutoff`` (or which was withdrawn and closed before it).
    The opinions, receipt numbers and attributes stay. Returns how many submissions and files were cleared."""
    periods = select(CommentPeriod.id).where(or_(
        CommentPeriod.results_published_at < cutoff,
        (CommentPeriod.status == "withdrawn") & (CommentPeriod.closes_at < cutoff)))
    attachments = db.session.scalars(
        select(Attachment).join(Submission).where(Submission.period_id.in_(periods))).all()
    for attachment in attachments:
        uploads.remove(ATTACHMENT_AREA, attachment.stored_name)
        db.session.delete(attachment)
    holding = or_(Submission.name != "", Submission.address != "", Submission.email != "", Submission.phone != "")
    cleared = db.session.execute(
        update(Submission).where(Submission.period_id.in_(periods), holding)
        .values(name="", address="", email="", phone="").execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return "submissions", cleared + len(attachments)
