"""Email, always through a job: the request never waits on SMTP and a rollback sends nothing."""

import base64
import logging
import re
import smtplib
import threading
import time
from email.utils import formataddr, formatdate, make_msgid
from functools import cache, lru_cache

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import bindparam, delete, update

from app.core import autocommit
from app.core.jobs import OUTBOX_ARGS, current_job_id, job
from app.core.models import MailDelivery
from app.core.statements import insert_unless_present, one_of
from app.core.timeutil import utcnow
from app.extensions import db

log = logging.getLogger(__name__)


def queue_email(to: str, template: str, locale: str = "ja", **context) -> None:
    """Ask for an email rendered from ``template`` (e.g. ``submissions/email/receipt.txt``) to go out
    after commit. Its first line is the subject.

    The context must be JSON values (ids, strings): the job renders the mail from them.
    """
    send_email.delay(*email_args(to, template, locale, **context))


def email_args(to: str, template: str, locale: str = "ja", **context) -> tuple:
    """``send_email``'s arguments for what ``queue_email`` asks, for a statement that writes the mail's
    outbox row itself (``app.core.jobs.outbox_row``)."""
    return to, template, locale, context


def email_args_sql(filled: dict[str, str]) -> str:
    """SQL (PostgreSQL) for ``email_args``' values bound as JSON (``jobs.OUTBOX_ARGS``) with the context's
    ``filled`` keys set to SQL expressions of the caller's statement (a receipt number it makes). The
    context is the fourth argument of ``send_email``."""
    expression = f"CAST({OUTBOX_ARGS} AS jsonb)"
    for key, value in filled.items():
        expression = f"jsonb_set({expression}, '{{3,{key}}}', to_jsonb({value}))"
    return f"CAST({expression} AS json)"


@job("high")
def send_email(to: str, template: str, locale: str, context: dict, headers: dict | None = None) -> None:
    """Render and send one email, at most once per job even if the job runs again. ``headers`` are
    extra header fields (a mailing list's ``List-Unsubscribe``)."""
    job_id = current_job_id() or make_msgid()
    if _claim_and_send(job_id, to, template, locale, context, headers):
        # Committed by the job runner together with the job's own row.
        _mark_sent([job_id])


@send_email.runs_together
def send_emails(calls: list[tuple[str, list]]) -> dict[str, Exception]:
    """The mails of one batch (``run_outbox_batch``): each claimed, and the claim committed, before it goes,
    as ``send_email`` does; what went out is marked sent in one statement at the end, committed by the
    runner with the rows' "done". A mail costs the worker one statement and one commit, not three and two
    (bench/README.md, twenty-first session). A worker that dies half-way leaves the mails it sent claimed,
    so the batch's retry sends only the others. The rows that failed, with why."""
    from rq.timeouts import JobTimeoutException

    failures: dict[str, Exception] = {}
    sent: list[str] = []
    for job_id, args in calls:
        try:
            if _claim_and_send(job_id, *args):
                sent.append(job_id)
        except JobTimeoutException:
            raise
        except Exception as exc:
            db.session.rollback()
            failures[job_id] = exc
    if sent:
        _mark_sent(sent)
    return failures


def _claim_and_send(job_id: str, to: str, template: str, locale: str, context: dict,
                    headers: dict | None = None) -> bool:
    """Render the mail, claim it for ``job_id`` and send it: True when it went out now, False when the job's
    mail was handled before."""
    with force_locale(locale):
        body = render_template(template, **context)
    subject, _, text = body.partition("\n")
    # One statement claims the mail: no row back means this job's mail was handled before (or is being
    # sent by a second run of the job, whose commit this waits for). Committed before the SMTP call: a
    # worker that dies after sending leaves the row behind, and the retry finds it instead of mailing
    # the citizen twice. Core statements, not the ORM: a receipt mail cost the worker more than the send
    # that asked for it (bench/README.md, thirteenth session).
    claim = {"job_id": job_id, "recipient": to, "subject": subject.strip()[:255], "template": template,
             "state": "sending", "created_at": utcnow()}
    statement = insert_unless_present(_DELIVERIES, ("job_id",), db.session.get_bind().dialect.name, "job_id",
                                      tuple(claim))
    if autocommit.possible():
        # Its own transaction on the driver, committed as it returns: a claim through the session cost the
        # worker 0.6 ms of CPU, BEGIN and COMMIT included (bench/README.md, twenty-fifth session).
        claimed = (autocommit.run(statement, claim) or {}).get("job_id")
    else:
        claimed = db.session.execute(statement, claim).scalar()
        if claimed is not None:
            db.session.commit()
    if claimed is None:
        log.info("email for job %s already handled; not sending again", job_id)
        return False
    try:
        deliver(to, subject.strip(), text.lstrip("\n"), headers)
    except NotSent:
        # The server surely has not taken the message (it was down, or said no): the claim goes, so that
        # the job's retry sends it. Kept, a mail server away for a minute cost the citizen the receipt.
        db.session.execute(_UNCLAIM, {"delivery": job_id})
        db.session.commit()
        raise
    return True


_DELIVERIES = MailDelivery.__table__


@cache
def _sent(dialect: str):
    return (update(_DELIVERIES).where(one_of(_DELIVERIES.c.job_id, "deliveries", dialect))
            .values(state="sent", sent_at=bindparam("at")))


def _mark_sent(deliveries: list[str]) -> None:
    db.session.execute(_sent(db.session.get_bind().dialect.name), {"deliveries": deliveries, "at": utcnow()})


_UNCLAIM = delete(_DELIVERIES).where(_DELIVERIES.c.job_id == bindparam("delivery"), _DELIVERIES.c.state == "sending")


class NotSent(Exception):
    """The mail server has not taken the message, for sure: no connection, a refusal, or a connection lost
    before the message went. Sending it again cannot mail anyone twice."""

    def __init__(self, cause: BaseException):
        super().__init__(f"{type(cause).__name__}: {cause}")


def external_url(endpoint: str, **values) -> str:
    """A link for an email: built from SITE_URL, since a job has no request to take the host from."""
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)


def deliver(to: str, subject: str, text: str, headers: dict | None = None) -> None:
    """Send one message on this thread's connection. ``NotSent`` when the server surely did not take it;
    any other error leaves that unknown (the connection was lost while the server had the message)."""
    config = current_app.config
    if config.get("MAIL_SUPPRESS_SEND"):
        log.info("mail suppressed (no mail server configured): to=%s subject=%s", to, subject)
        return
    message = compose(config["CITY_NAME"], config["MAIL_SENDER"], to, subject, text, headers)
    try:
        smtp = _envelope(config, config["MAIL_SENDER"], to)
    except Exception as exc:
        _drop_connection()
        raise NotSent(exc) from exc
    # Whatever goes wrong from here, the next mail starts on a new connection.
    try:
        # The message after the server's 354, as ``SMTP.data`` sends it: lines that begin with a dot get
        # another, and a lone dot ends it.
        quoted = _LEADING_DOT.sub(b"..", message)
        smtp.send(quoted + (b".\r\n" if quoted.endswith(b"\r\n") else b"\r\n.\r\n"))
        code, reply = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
    except smtplib.SMTPDataError as exc:  # the server answered no: it keeps nothing
        _drop_connection()
        raise NotSent(exc) from exc
    except BaseException:
        _drop_connection()
        raise
    _held.used_at = time.monotonic()


def _envelope(config, sender: str, to: str) -> smtplib.SMTP:
    """This thread's connection, ready for a message from ``sender`` to ``to`` (MAIL FROM, RCPT TO and DATA
    answered with 354). A kept connection that the server closed meanwhile fails here, before any message:
    then once more on a new connection. (It was asked NOOP before every mail: a round trip for the worker
    and the server that this makes unneeded.)"""
    smtp, reused = _connection(config)
    try:
        _open_message(smtp, sender, to)
    except (smtplib.SMTPServerDisconnected, ConnectionError, smtplib.SMTPSenderRefused) as exc:
        closed = not isinstance(exc, smtplib.SMTPSenderRefused) or exc.smtp_code == 421
        if not (reused and closed):
            raise
        _drop_connection()
        smtp, _ = _connection(config)
        _open_message(smtp, sender, to)
    return smtp


_LEADING_DOT = re.compile(rb"(?m)^\.")
# What MAIL FROM, RCPT TO and DATA are answered with when the server goes on.
_ACCEPTED = ((250,), (250, 251), (354,))


def _open_message(smtp: smtplib.SMTP, sender: str, to: str) -> None:
    """MAIL FROM, RCPT TO and DATA: in one write when the server offers PIPELINING (RFC 2920, as city mail
    servers do), one round trip instead of three; otherwise each waits for the answer to the one before.
    A refused sender, recipient or DATA raises, and the server then keeps nothing of this message."""
    if any("\r" in address or "\n" in address for address in (sender, to)):  # as ``SMTP.putcmd`` refuses them
        raise ValueError("a line break in an address")
    commands = [f"MAIL FROM:{smtplib.quoteaddr(sender)}", f"RCPT TO:{smtplib.quoteaddr(to)}", "DATA"]
    smtp.ehlo_or_helo_if_needed()
    if smtp.does_esmtp and smtp.has_extn("pipelining"):
        smtp.send("".join(f"{command}\r\n" for command in commands))
        replies = [smtp.getreply() for _command in commands]
    else:
        replies = []
        for command, accepted in zip(commands, _ACCEPTED, strict=True):
            smtp.send(f"{command}\r\n")
            replies.append(smtp.getreply())
            if replies[-1][0] not in accepted:
                break
    for step, ((code, reply), accepted) in enumerate(zip(replies, _ACCEPTED, strict=False)):  # up to the refusal
        if code in accepted:
            continue
        if step == 0:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        if step == 1:
            raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
        raise smtplib.SMTPDataError(code, reply)


def compose(sender_name: str, sender: str, to: str, subject: str, text: str,
            headers: dict | None = None) -> bytes:
    """A plain-text UTF-8 message, as the bytes SMTP carries (base64 body, CRLF lines).

    Written here rather than by the ``email`` package's generator, which refolds every header through a
    ``Header`` object (and ``send_message`` parses the addresses back out of them): 226 against 53 µs a
    receipt mail (bench/README.md, fifteenth session). Only a header that is not short ASCII is folded,
    into RFC 2047 encoded words as the package does."""
    lines = ['Content-Type: text/plain; charset="utf-8"', "MIME-Version: 1.0", "Content-Transfer-Encoding: base64",
             _header("From", _address(sender_name, sender)), _header("To", to),
             _header("Subject", subject), _header("Date", formatdate(localtime=True)),
             _header("Message-ID", make_msgid(domain=sender.partition("@")[2] or None))]
    lines += [_header(name, value) for name, value in (headers or {}).items()]
    body = base64.encodebytes(text.encode("utf-8")).decode("ascii").replace("\n", "\r\n")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("ascii")


def _header(name: str, value: str) -> str:
    """One header field; a line break in a value would start a header of the sender's choosing."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"a line break in the {name} header")
    if not value.isascii():
        return _encoded(name, value)
    # ASCII is folded only where it has a space (unfolding gives back the value as it was); a link
    # without one stays whole on its line (RFC 5322: 78 characters should, 998 must).
    line, lines = f"{name}: {value}", []
    while len(line) > 78:
        cut = line.rfind(" ", len(name) + 2, 78)
        if cut <= len(name) + 1:
            cut = line.find(" ", 78)
        if cut <= len(name) + 1:
            break
        lines.append(line[:cut])
        line = line[cut:]
    if len(line) > 998:
        raise ValueError(f"the {name} header is too long")
    return "\r\n".join([*lines, line])


def _encoded(name: str, value: str) -> str:
    """A header field that is not ASCII, in RFC 2047 encoded words (UTF-8, base64), one a line within 78
    characters and each within 75, split between characters (a reader joins them without the folding space).
    Written here rather than with ``email.header.Header``, whose folding measures the text again for each
    word it tries: 100 of the 146 µs composing a receipt mail took, whose subject, carrying its receipt
    number, is never the same twice (bench/README.md, twenty-ninth session)."""
    data, words = value.encode("utf-8"), []
    room, start = 78 - len(name) - 2, 0  # the first line begins with the name, a colon and a space
    while start < len(data):
        end = min(len(data), start + max(4, (min(room, 75) - 12) // 4 * 3))  # "=?utf-8?b?" "?=": 12
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a byte inside a character: end before it
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode('ascii')}?=")
        room, start = 77, end  # the lines after it begin with a space
    return f"{name}: " + "\r\n ".join(words)


@lru_cache(maxsize=16)
def _address(name: str, address: str) -> str:
    """The sender as the From field gives it, its name encoded when it is not ASCII: the same for every mail."""
    return formataddr((name, address), charset="utf-8")


# One SMTP connection per thread, kept between mails (a worker sends one receipt after another): a new
# connection for every mail cost the worker and the mail server more than the message itself. Closed
# after MAIL_KEEP_CONNECTION seconds without a mail, well inside a server's idle timeout.
_held = threading.local()


def _connection(config) -> tuple[smtplib.SMTP, bool]:
    """This thread's connection to the configured server and whether it was used before."""
    key = (config["MAIL_SERVER"], config["MAIL_PORT"], config.get("MAIL_USE_TLS"), config.get("MAIL_USERNAME"))
    smtp = getattr(_held, "smtp", None)
    if smtp is not None:
        if _held.key == key and time.monotonic() - _held.used_at < config.get("MAIL_KEEP_CONNECTION", 30):
            return smtp, True
        _drop_connection()
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    _held.smtp, _held.key, _held.used_at = smtp, key, time.monotonic()
    return smtp, False


def _drop_connection() -> None:
    smtp = getattr(_held, "smtp", None)
    _held.smtp = None
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
