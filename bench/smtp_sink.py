"""A local SMTP server that accepts every message and writes one JSON line per message.

    python -m bench.smtp_sink --port 8025 --log /tmp/meyasu-bench/mail.jsonl

Each line: recipients, subject, and the receipt number found in the subject (receipt emails), so the
benchmarks can count emails per receipt and find any sent twice.

It stands for the city's mail server, which is not on the web's machine, yet shares this one's two cores
with what is measured: it reads only the head of a message, with the classic parser, and keeps its file
open (the ``email`` package's default policy cost it about a millisecond a message).
"""

import argparse
import json
import re
import threading
import time
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller

RECEIPT = re.compile(r"[A-Z0-9]+-\d{5,}")


class Sink:
    def __init__(self, path: str):
        self.out = open(path, "a", encoding="utf-8")  # noqa: SIM115  (open while the sink runs)
        self.lock = threading.Lock()
        self.heads = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):
        head = self.heads.parsebytes(envelope.content)
        subject = str(make_header(decode_header(head.get("Subject", ""))))
        found = RECEIPT.search(subject)
        line = json.dumps({"to": list(envelope.rcpt_tos), "subject": subject,
                           "receipt": found.group(0) if found else "", "at": time.time()}, ensure_ascii=False)
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--log", required=True)
    parser.add_argument("--seconds", type=float, default=4 * 3600, help="stop by itself after this long")
    args = parser.parse_args()
    controller = Controller(Sink(args.log), hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        time.sleep(args.seconds)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
