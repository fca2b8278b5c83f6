"""The benchmarks' mail sink records what the app's mail says: a folded Japanese subject read back whole,
with the receipt number found in it, for each message of a connection that carries several."""

import asyncio
import json
import smtplib
import socket
import threading

from app.core import mail
from bench.smtp_sink import Sink, serve


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_sink_records_the_subject_and_receipt_number_of_each_message_on_one_connection(tmp_path):
    subject = "【下関市】ご意見を受け付けました（受付番号 DEMO-00012）第2次下関市総合計画（素案）"
    port = free_port()
    # The sink's loop on a thread of its own: a browser test of the same run may leave one running in this one.
    server = threading.Thread(target=asyncio.run, args=(serve(Sink(str(tmp_path / "mail.jsonl")), port, 5.0),),
                              daemon=True)
    server.start()
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        threading.Event().wait(0.05)
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        assert smtp.ehlo()[0] == 250 and smtp.has_extn("pipelining")
        for to, text in (("a@example.jp", "本文\n.行頭の点\n"), ("b@example.jp", "Receipt\n")):
            message = mail.compose("下関市", "noreply@city.example.jp", to, subject, text)
            assert smtp.sendmail("noreply@city.example.jp", [to], message) == {}
        assert smtp.noop()[0] == 250
        assert smtp.mail("noreply@city.example.jp")[0] == 250
        smtp.putcmd("data")
        assert smtp.getreply()[0] == 503  # no message without a recipient
    lines = [json.loads(line) for line in (tmp_path / "mail.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(line["to"], line["subject"], line["receipt"]) for line in lines] == [
        (["a@example.jp"], subject, "DEMO-00012"), (["b@example.jp"], subject, "DEMO-00012")]


def test_a_dot_at_the_start_of_a_line_comes_back_as_the_message_had_it(tmp_path):
    received = []

    class Keep(Sink):
        def record(self, content, rcpt_tos):
            received.append(content)

    from bench.smtp_sink import Session

    session = Session(Keep(str(tmp_path / "mail.jsonl")))
    written = []
    session.connection_made(type("T", (), {"write": lambda self, data: written.append(data),
                                            "close": lambda self: None})())
    session.data_received(b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
    session.data_received(b"Subject: s\r\n\r\n..one dot\r\n.\r\nQUIT\r\n")
    assert received == [b"Subject: s\r\n\r\n.one dot\r\n"]
    assert written[-1].endswith(b"250 OK\r\n221 Bye\r\n")


def test_the_subject_is_unfolded_and_its_encoded_words_decoded_whatever_the_encoding():
    from bench.smtp_sink import subject_of

    folded = mail.compose("下関市", "noreply@city.example.jp", "a@example.jp", "a long ascii subject, folded " * 4, "x")
    assert subject_of(folded) == "a long ascii subject, folded " * 4
    # Two encoded words side by side read as one text (the space between them is the fold's); Q encoding too.
    assert subject_of(b"From: a@b\r\nSUBJECT: =?utf-8?b?5LiL6Zai?=\r\n =?UTF-8?Q?=E5=B8=82_DEMO-00001?=\r\n\r\nbody") \
        == "下関市 DEMO-00001"
    assert subject_of(b"From: a@b\r\nX-Subject: no\r\n\r\nSubject: in the body\r\n") == ""
