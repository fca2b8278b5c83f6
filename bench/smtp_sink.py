"""A local SMTP server that accepts every message and writes one JSON line per message.

    python -m bench.smtp_sink --port 8025 --log /tmp/meyasu-bench/mail.jsonl

Each line: recipients, subject, and the receipt number found in the subject (receipt emails), so the
benchmarks can count emails per receipt and find any sent twice.

It stands for the city's mail server, which is not on the web's machine, yet shares this one's two cores
with what is measured: measuring equipment, kept cheap. It speaks only what a client of a sink needs
(EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; PIPELINING), on asyncio's protocol callbacks, reads only
the Subject of a message's head, and keeps its file open. (aiosmtpd cost it 0.65 ms of CPU
a receipt mail, more than the web's send spends on the mail's outbox row: bench/README.md, eighteenth
session.)
"""

import argparse
import asyncio
import base64
import binascii
import json
import quopri
import re
import time

RECEIPT = re.compile(r"[A-Z0-9]+-\d{5,}")
MAX_MESSAGE = 10 * 1024 * 1024
# The Subject field of a message's head, with its folded lines; an RFC 2047 encoded word, and the space
# between two of them (which a reader drops).
SUBJECT = re.compile(rb"(?im)^subject:[ \t]*([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)")
ENCODED_WORD = re.compile(r"=\?([^?]+)\?([bBqQ])\?([^?]*)\?=")
BETWEEN_WORDS = re.compile(r"(\?=)[ \t]+(=\?)")


def subject_of(content: bytes) -> str:
    """The message's Subject, unfolded and its encoded words decoded ("" without one). Read with a regular
    expression rather than the ``email`` package's parser and ``make_header``: 65 of the 100 µs this sink
    spent a receipt mail (bench/README.md, thirty-first session)."""
    head = content.split(b"\r\n\r\n", 1)[0]
    found = SUBJECT.search(head)
    if not found:
        return ""
    text = re.sub(r"\r\n[ \t]", " ", found.group(1).decode("utf-8", "replace"))
    return ENCODED_WORD.sub(_decoded, BETWEEN_WORDS.sub(r"\1\2", text))


def _decoded(word: re.Match) -> str:
    charset, kind, data = word.groups()
    try:
        raw = base64.b64decode(data) if kind in "bB" else quopri.decodestring(data.replace("_", " "), header=True)
        return raw.decode(charset, "replace")
    except (binascii.Error, LookupError, ValueError):
        return word.group(0)


class Sink:
    """Where the messages go: one JSON line each."""

    def __init__(self, path: str):
        self.out = open(path, "a", encoding="utf-8")  # noqa: SIM115  (open while the sink runs)

    def record(self, content: bytes, rcpt_tos: list[str]) -> None:
        subject = subject_of(content)
        found = RECEIPT.search(subject)
        line = json.dumps({"to": rcpt_tos, "subject": subject, "receipt": found.group(0) if found else "",
                           "at": time.time()}, ensure_ascii=False)
        self.out.write(line + "\n")
        self.out.flush()


class Session(asyncio.Protocol):
    """One client's connection: commands line by line, a message up to its lone dot."""

    def __init__(self, sink: Sink):
        self.sink = sink
        self.buffer = b""
        self.message: list[bytes] | None = None  # the lines of a message while DATA is read
        self.size = 0
        self.rcpt_tos: list[str] = []

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            line, found, rest = self.buffer.partition(b"\r\n")
            if not found:
                break
            self.buffer = rest
            reply = self.line(line)
            if reply:
                replies.append(reply)
            if reply == b"221 Bye\r\n":
                break
        if replies:
            self.transport.write(b"".join(replies))
        if replies and replies[-1] == b"221 Bye\r\n":
            self.transport.close()

    def line(self, line: bytes) -> bytes:
        if self.message is not None:
            if line != b".":
                self.size += len(line) + 2
                if self.size <= MAX_MESSAGE:
                    self.message.append(line[1:] if line.startswith(b".") else line)
                return b""
            message, self.message = self.message, None
            if self.size > MAX_MESSAGE:
                return b"552 Message too big\r\n"
            self.sink.record(b"\r\n".join(message) + b"\r\n", self.rcpt_tos)
            self.rcpt_tos = []
            return b"250 OK\r\n"
        verb = line[:4].upper()
        if verb == b"EHLO":
            return b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
        if verb in (b"HELO", b"NOOP"):
            return b"250 OK\r\n"
        if verb == b"MAIL":
            self.rcpt_tos = []
            return b"250 OK\r\n"
        if verb == b"RCPT":
            address = line.partition(b":")[2].strip().split(b" ")[0].strip(b"<>")
            self.rcpt_tos.append(address.decode("utf-8", "replace"))
            return b"250 OK\r\n"
        if verb == b"DATA":
            if not self.rcpt_tos:
                return b"503 RCPT first\r\n"
            self.message, self.size = [], 0
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"RSET":
            self.rcpt_tos = []
            return b"250 OK\r\n"
        if verb == b"QUIT":
            return b"221 Bye\r\n"
        return b"500 Command not recognised\r\n"


async def serve(sink: Sink, port: int, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Session(sink), "127.0.0.1", port)
    async with server:
        await asyncio.sleep(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--log", required=True)
    parser.add_argument("--seconds", type=float, default=4 * 3600, help="stop by itself after this long")
    args = parser.parse_args()
    import uvloop  # the sink shares the measured machine's cores: its event loop in C, as the generator's

    uvloop.run(serve(Sink(args.log), args.port, args.seconds))


if __name__ == "__main__":
    main()
