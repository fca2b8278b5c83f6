"""The benchmarks' mail sink records what the app's mail says: a folded Japanese subject read back whole,
with the receipt number found in it."""

import json
from types import SimpleNamespace

from app.core import mail
from bench.smtp_sink import Sink


def finished(coroutine):
    """The value of a coroutine that awaits nothing, without an event loop (a browser test of the same run
    may leave one running in this thread)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the sink waited for something")


def test_the_sink_records_the_subject_and_receipt_number_of_a_folded_japanese_subject(tmp_path):
    subject = "【下関市】ご意見を受け付けました（受付番号 DEMO-00012）第2次下関市総合計画（素案）"
    sink = Sink(str(tmp_path / "mail.jsonl"))
    for to, text in (("a@example.jp", "本文\n"), ("b@example.jp", "Receipt\n")):
        envelope = SimpleNamespace(content=mail.compose("下関市", "noreply@city.example.jp", to, subject, text),
                                   rcpt_tos=[to])
        assert finished(sink.handle_DATA(None, None, envelope)) == "250 OK"
    lines = [json.loads(line) for line in (tmp_path / "mail.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(line["to"], line["subject"], line["receipt"]) for line in lines] == [
        (["a@example.jp"], subject, "DEMO-00012"), (["b@example.jp"], subject, "DEMO-00012")]
