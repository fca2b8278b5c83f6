"""KeywordTally, fed in chunks, counts what count_keywords_by_key counts at once."""

import pytest

from app.digests import keywords
from app.digests.keywords import KeywordTally, count_keywords_by_key

TEXTS = [
    (1, "公民館の開館時間を延長してほしい。", 1),
    (1, "公民館の開館時間を延長してほしい。", 3),
    (2, "SNSでの情報発信を増やしてください。", 1),
    (None, "公民館の駐車場が狭いです。", 2),
    (2, "公民館の開館時間を延長してほしい。", 1),
    (2, "", 1),
]


@pytest.mark.parametrize("per_worker", [500, 1])  # 1: the thread pool tokenises even these few texts
def test_tally_in_chunks_counts_like_all_at_once(monkeypatch, per_worker):
    monkeypatch.setattr(keywords, "MIN_TEXTS_PER_WORKER", per_worker)
    inputs: dict = {}
    for key, text, copies in TEXTS:
        inputs.setdefault(key, []).append((text, copies))
    expected = count_keywords_by_key(inputs)
    for chunk in (1, 2, len(TEXTS)):
        tally = KeywordTally(workers=2)
        for start in range(0, len(TEXTS), chunk):
            for key, text, copies in TEXTS[start : start + chunk]:
                tally.add(key, text, copies)
            tally.flush()
        assert tally.counts() == expected
    assert expected[1]["公民館"] == 4 and expected[2]["公民館"] == 1 and expected[None]["駐車場"] == 2
