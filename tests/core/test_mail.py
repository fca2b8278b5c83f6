"""One SMTP connection carries a thread's mails one after another, and a connection that went bad is
never trusted with a message: each mail still arrives exactly once. A mail the server surely did not
take (it was down, or said no) is sent by the job's retry; one whose fate is unknown is not sent twice."""

import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.core import mail
from app.core.jobs import run_outbox_job
from app.core.models import MailDelivery, OutboxJob
from app.extensions import db


class CountingHandler:
    """Remembers each message with the client port it came from (one port per connection). With
    ``pipelining`` the server offers PIPELINING (RFC 2920), as city mail servers do."""

    def __init__(self, refuse: set[str] = frozenset(), pipelining: bool = False):
        self.pipelining = pipelining
        self.received: list[tuple[int, str]] = []
        self.raw: list[bytes] = []
        self.recipients: list[str] = []
        self.refuse = refuse  # subjects or recipients
        self.hang_up = False  # keep the message, then close the connection before answering
        self.noops = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        subject = str(message_from_bytes(envelope.content, policy=policy.default)["Subject"])
        if subject in self.refuse or self.refuse & set(envelope.rcpt_tos):
            return "554 refused for the test"
        with self.lock:
            self.received.append((session.peer[1], subject))
            self.raw.append(envelope.content)
            self.recipients.append(envelope.rcpt_tos[0])
        if self.hang_up:
            server.transport.abort()
        return "250 OK"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_NOOP(self, server, session, envelope, arg):
        self.noops += 1
        return "250 OK"

    def subjects(self) -> list[str]:
        return [subject for _, subject in self.received]

    def connections(self) -> int:
        return len({port for port, _ in self.received})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server of a test's own, on the port the app's mail goes to."""

    def __init__(self, handler: CountingHandler, port: int):
        self.handler, self.port = handler, port
        self.controller = Controller(handler, hostname="127.0.0.1", port=port)
        self.controller.start()

    def restart(self) -> None:
        self.controller.stop()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture(params=[False, True], ids=["one command at a time", "pipelining"])
def server(app, request):
    mail._drop_connection()  # no connection held from an earlier test
    server = Server(CountingHandler(pipelining=request.param), free_port())
    saved = app.config["MAIL_PORT"], app.config["MAIL_KEEP_CONNECTION"]
    app.config["MAIL_PORT"] = server.port
    try:
        yield server
    finally:
        mail._drop_connection()
        app.config["MAIL_PORT"], app.config["MAIL_KEEP_CONNECTION"] = saved
        server.controller.stop()


def test_mails_one_after_another_share_one_connection(app, ctx, server):
    handler = server.handler
    for n in range(3):
        mail.deliver("citizen@example.jp", f"mail {n}", "本文")
    assert handler.subjects() == ["mail 0", "mail 1", "mail 2"]
    assert handler.connections() == 1
    assert handler.noops == 0  # a kept connection is not asked whether it is alive: MAIL FROM tells


def test_a_server_that_offers_pipelining_gets_the_envelope_in_one_write(app, ctx, server, monkeypatch):
    writes = []
    real_send = mail.smtplib.SMTP.send
    monkeypatch.setattr(mail.smtplib.SMTP, "send", lambda smtp, data: (writes.append(data), real_send(smtp, data)))
    mail.deliver("citizen@example.jp", "first", "本文")  # the connection's EHLO
    writes.clear()
    mail.deliver("citizen@example.jp", "second", "本文\n.行頭の点\n")
    envelope = [f"MAIL FROM:<{app.config['MAIL_SENDER']}>\r\n", "RCPT TO:<citizen@example.jp>\r\n", "DATA\r\n"]
    if server.handler.pipelining:
        assert writes[0] == "".join(envelope) and len(writes) == 2  # then the message
    else:
        assert writes[:3] == envelope and len(writes) == 4
    assert writes[-1].endswith(b"\r\n.\r\n")
    assert server.handler.subjects() == ["first", "second"]
    text = message_from_bytes(server.handler.raw[-1], policy=policy.default).get_content()
    assert text == "本文\n.行頭の点\n"


def test_a_refused_recipient_sends_nothing_and_the_next_mail_goes(app, ctx, server):
    class Refusing(CountingHandler):
        async def handle_RCPT(self, server_, session, envelope, address, rcpt_options):
            if address.startswith("nobody@"):
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    handler = Refusing(pipelining=server.handler.pipelining)
    server.handler = handler
    server.restart()
    with pytest.raises(mail.NotSent, match="SMTPRecipientsRefused"):
        mail.deliver("nobody@example.jp", "refused", "本文")
    mail.deliver("citizen@example.jp", "next", "本文")
    assert handler.subjects() == ["next"]


def test_a_connection_the_server_closed_is_replaced_before_the_message_goes(app, ctx, server):
    handler = server.handler
    mail.deliver("citizen@example.jp", "before", "本文")
    server.restart()  # the server went away and came back on the same port: the held connection is dead
    mail.deliver("citizen@example.jp", "after", "本文")
    assert handler.subjects() == ["before", "after"]  # each exactly once
    assert handler.connections() == 2


def test_a_refused_message_raises_and_the_next_mail_starts_a_new_connection(app, ctx, server):
    handler = server.handler
    handler.refuse = {"refused"}
    mail.deliver("citizen@example.jp", "first", "本文")
    with pytest.raises(mail.NotSent, match="SMTPDataError") as raised:
        mail.deliver("citizen@example.jp", "refused", "本文")
    assert isinstance(raised.value.__cause__, mail.smtplib.SMTPDataError)
    mail.deliver("citizen@example.jp", "third", "本文")
    assert handler.subjects() == ["first", "third"]
    assert handler.connections() == 2


def test_a_connection_idle_longer_than_the_setting_is_not_reused(app, ctx, server):
    handler = server.handler
    app.config["MAIL_KEEP_CONNECTION"] = 0
    mail.deliver("citizen@example.jp", "one", "本文")
    mail.deliver("citizen@example.jp", "two", "本文")
    assert handler.connections() == 2


def test_another_mail_server_in_the_settings_gets_its_own_connection(app, ctx, server):
    first = server.handler
    mail.deliver("citizen@example.jp", "to the first", "本文")
    other = CountingHandler()
    controller = Controller(other, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config["MAIL_PORT"] = controller.port
        mail.deliver("citizen@example.jp", "to the second", "本文")
    finally:
        controller.stop()
    assert first.subjects() == ["to the first"]
    assert other.subjects() == ["to the second"]


def test_a_japanese_mail_reads_back_as_written(app, ctx, mailbox):
    from app.core.mail import deliver

    deliver("citizen@example.jp", "【下関市】ご意見を受け付けました（受付番号 R-00001）",
            "ご意見ありがとうございました。\n受付番号: R-00001\n", {"List-Unsubscribe": "<https://example.jp/u/1>",
                                                       "X-Meyasu-Period": "第2次下関市総合計画"})
    message = mailbox[-1]
    assert message["Subject"] == "【下関市】ご意見を受け付けました（受付番号 R-00001）"
    assert message["From"].addresses[0].display_name == app.config["CITY_NAME"]
    assert message["From"].addresses[0].addr_spec == app.config["MAIL_SENDER"]
    assert message["To"] == "citizen@example.jp"
    assert message["List-Unsubscribe"] == "<https://example.jp/u/1>"
    assert message["X-Meyasu-Period"] == "第2次下関市総合計画"
    assert message["Date"] and message["Message-ID"]
    assert message.get_content() == "ご意見ありがとうございました。\n受付番号: R-00001\n"


def test_a_long_japanese_subject_is_folded_into_short_encoded_words(app, ctx, server):
    subject = "【下関市】ご意見を受け付けました（受付番号 R-00001）第2次下関市総合計画（素案）"
    mail.deliver("citizen@example.jp", subject, "本文")
    raw = server.handler.raw[-1]
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    assert max(len(line) for line in head.splitlines()) <= 78  # RFC 5322's line, RFC 2047's encoded words
    assert server.handler.subjects() == [subject]


@pytest.mark.parametrize("subject", [
    "受",
    "【下関市】ご意見を受け付けました（受付番号 R-00001）第2次下関市総合計画（素案）についての長い件名です" * 2,
    "𠮷野家の𠮷と🙇‍♀️" * 8,  # four-byte characters, which a split must not cut
    "é" * 120,
    "a" * 70 + "あ",
    "Résumé: 意見 " * 12,
], ids=["one character", "long Japanese", "four-byte characters", "Latin", "ASCII then one kana", "mixed"])
def test_a_header_that_is_not_ascii_is_folded_into_encoded_words_that_read_back_whole(app, ctx, server, subject,
                                                                                       monkeypatch):
    """Encoded here, not by ``email.header.Header``: a receipt's subject carries its number, so each is new, and
    the package's folding was two thirds of composing the mail. Lines within 78 characters, encoded words within
    75 (RFC 2047), split between characters; the subject and the sender's name read back as they were."""
    monkeypatch.setitem(app.config, "CITY_NAME", "下関市")
    mail.deliver("citizen@example.jp", subject, "本文")
    raw = server.handler.raw[-1]
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    lines = head.decode("ascii").splitlines()
    assert max(len(line) for line in lines) <= 78
    assert all(len(word) <= 75 for line in lines for word in line.split() if word.startswith("=?"))
    message = message_from_bytes(raw, policy=policy.default)
    assert str(message["Subject"]) == subject
    assert str(message["From"]) == f"下関市 <{app.config['MAIL_SENDER']}>"


def test_a_long_ascii_header_is_folded_and_reads_back_whole(app, ctx, mailbox):
    link = "<https://example.jp/plans/1/follow/unsubscribe?token=" + "a1b2c3d4" * 12 + ">"
    mail.deliver("citizen@example.jp", "Receipt R-00001", "body\n", {"List-Unsubscribe": link})
    message = mailbox[-1]
    assert message["List-Unsubscribe"] == link
    assert message["Subject"] == "Receipt R-00001"


def test_a_line_break_in_a_header_value_sends_nothing(app, ctx, server):
    with pytest.raises(ValueError, match="line break"):
        mail.deliver("citizen@example.jp", "受付\r\nBcc: someone@example.com", "本文")
    with pytest.raises(ValueError, match="line break"):
        mail.deliver("citizen@example.jp", "Receipt", "本文", {"X-Meyasu-Period": "a\nBcc: someone@example.com"})
    assert server.handler.received == []
    with pytest.raises(ValueError, match="line break"):  # the envelope refuses it too, whatever comes first
        mail._envelope(app.config, app.config["MAIL_SENDER"], "citizen@example.jp>\r\nRCPT TO:<someone@example.com")
    assert server.handler.received == []


def test_a_long_ascii_subject_is_folded_at_its_spaces(app, ctx, server):
    subject = "Your opinion on the Shimonoseki City Comprehensive Plan (draft) was received: receipt R-00001"
    mail.deliver("citizen@example.jp", subject, "body")
    raw = server.handler.raw[-1]
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    assert max(len(line) for line in head.splitlines()) <= 78
    assert server.handler.subjects() == [subject]


# --- what the job does when the server is away, says no, or hangs up ---


def mail_job() -> str:
    mail.queue_email("citizen@example.jp", "email/test.txt", note="receipt")
    db.session.commit()
    return db.session.scalars(select(OutboxJob.id)).one()


def claims() -> int:
    return db.session.scalar(select(func.count()).select_from(MailDelivery))


def test_a_mail_whose_server_was_down_is_sent_by_the_retry(app, ctx, server):
    job_id = mail_job()
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    with pytest.raises(mail.NotSent, match="ConnectionRefusedError"):
        run_outbox_job(job_id)
    row = db.session.get(OutboxJob, job_id)
    assert row.state == "failed" and "NotSent" in row.error  # (no RQ retry left outside a worker)
    assert claims() == 0  # nothing went out, so nothing stops the retry
    app.config["MAIL_PORT"] = server.port
    row.state = "retrying"  # as RQ's retry finds it
    db.session.commit()
    assert run_outbox_job(job_id) == "done"
    assert len(server.handler.received) == 1
    assert db.session.scalars(select(MailDelivery.state)).one() == "sent"


def test_a_message_the_server_refused_is_sent_by_the_retry(app, ctx, server):
    job_id = mail_job()
    server.handler.refuse = {"下関市からのテストメッセージ"}  # the subject: the template's first line
    with pytest.raises(mail.NotSent, match="SMTPDataError"):
        run_outbox_job(job_id)
    assert claims() == 0 and server.handler.received == []
    server.handler.refuse = set()
    db.session.get(OutboxJob, job_id).state = "retrying"
    db.session.commit()
    run_outbox_job(job_id)
    assert server.handler.subjects() == ["下関市からのテストメッセージ"]


def test_a_connection_lost_while_the_server_had_the_message_sends_nothing_again(app, ctx, server):
    job_id = mail_job()
    server.handler.hang_up = True  # the server keeps the message and closes before its answer
    with pytest.raises(mail.smtplib.SMTPServerDisconnected):
        run_outbox_job(job_id)
    assert claims() == 1  # unknown whether it arrived: at most once
    server.handler.hang_up = False
    row = db.session.get(OutboxJob, job_id)
    row.state = "retrying"
    db.session.commit()
    run_outbox_job(job_id)
    assert len(server.handler.received) == 1


# --- the mails of one batch (run_outbox_batch): each claimed before it goes, marked sent together ---


@pytest.fixture
def batch_of(app, monkeypatch):
    """``batch_of(n)``: n mails written as requests write them for the workers' drainer (with Redis only),
    their outbox ids in order, as the drainer hands them to RQ in one batch."""
    monkeypatch.setitem(app.config, "OUTBOX_DRAINER", True)  # the rows are the drainer's, not dispatch's
    return mail_batch


def mail_batch(count: int) -> list[str]:
    for n in range(count):
        mail.queue_email(f"citizen{n}@example.jp", "email/test.txt", note=f"batch {n}")
    db.session.commit()
    return list(db.session.scalars(select(OutboxJob.id).order_by(OutboxJob.created_at)))


def states() -> tuple[dict[str, str], dict[str, str]]:
    db.session.expire_all()
    return (dict(db.session.execute(select(OutboxJob.id, OutboxJob.state)).all()),
            dict(db.session.execute(select(MailDelivery.job_id, MailDelivery.state)).all()))


@pytest.mark.services
def test_a_refused_mail_in_a_batch_is_sent_by_the_retry_and_the_others_once(app, ctx, server, batch_of):
    from app.core.jobs import BatchIncomplete, run_outbox_batch

    ids = batch_of(3)
    server.handler.refuse = {"citizen1@example.jp"}
    with pytest.raises(BatchIncomplete, match=ids[1]):
        run_outbox_batch(ids)
    rows, deliveries = states()
    assert rows == {ids[0]: "done", ids[1]: "failed", ids[2]: "done"}  # (no RQ retry left outside a worker)
    assert deliveries == {ids[0]: "sent", ids[2]: "sent"}  # the refused mail's claim went
    assert server.handler.recipients == ["citizen0@example.jp", "citizen2@example.jp"]
    server.handler.refuse = set()
    db.session.get(OutboxJob, ids[1]).state = "retrying"  # as RQ's retry of the batch finds it
    db.session.commit()
    assert run_outbox_batch(ids) == "done"
    rows, deliveries = states()
    assert set(rows.values()) == {"done"} and set(deliveries.values()) == {"sent"} and len(deliveries) == 3
    assert sorted(server.handler.recipients) == [f"citizen{n}@example.jp" for n in range(3)]


@pytest.mark.services
def test_a_mail_whose_fate_is_unknown_is_not_sent_again_by_the_batch_retry(app, ctx, server, batch_of, monkeypatch):
    from app.core.jobs import BatchIncomplete, run_outbox_batch

    ids = batch_of(3)
    delivered = mail.deliver

    def hang_up_on_the_second(to, *args):
        delivered(to, *args)  # the server has it ...
        if to == "citizen1@example.jp":
            raise mail.smtplib.SMTPServerDisconnected("lost before the answer")  # ... and the answer is lost

    monkeypatch.setattr(mail, "deliver", hang_up_on_the_second)
    with pytest.raises(BatchIncomplete, match=ids[1]):
        run_outbox_batch(ids)
    rows, deliveries = states()
    assert deliveries == {ids[0]: "sent", ids[1]: "sending", ids[2]: "sent"}  # the claim stays: at most once
    db.session.get(OutboxJob, ids[1]).state = "retrying"
    db.session.commit()
    assert run_outbox_batch(ids) == "done"
    assert sorted(server.handler.recipients) == [f"citizen{n}@example.jp" for n in range(3)]  # each once


@pytest.mark.services
def test_a_worker_stopped_half_way_through_a_batch_mails_nobody_twice(app, ctx, server, batch_of, monkeypatch):
    """A batch stopped by its time limit after its second mail went: the mails sent are claimed (committed
    before they went) though not yet marked sent; the retry sends only the third."""
    from rq.timeouts import JobTimeoutException

    from app.core.jobs import run_outbox_batch

    ids = batch_of(3)
    delivered = mail.deliver

    def stopped_after_the_second(to, *args):
        delivered(to, *args)
        if to == "citizen1@example.jp":
            raise JobTimeoutException("the batch ran out of time")

    monkeypatch.setattr(mail, "deliver", stopped_after_the_second)
    with pytest.raises(JobTimeoutException):
        run_outbox_batch(ids)
    db.session.rollback()
    rows, deliveries = states()
    assert set(rows.values()) == {"running"} and deliveries == {ids[0]: "sending", ids[1]: "sending"}
    monkeypatch.setattr(mail, "deliver", delivered)
    assert run_outbox_batch(ids) == "done"  # RQ's retry: every row is claimed again
    rows, deliveries = states()
    assert set(rows.values()) == {"done"} and deliveries[ids[2]] == "sent"
    assert server.handler.recipients == [f"citizen{n}@example.jp" for n in range(3)]
