from collections import Counter

from app.digests import keywords
from app.digests.keywords import (
    content_words,
    count_keywords,
    count_keywords_by_key,
    extract_keywords,
    overall_keywords,
)


def test_keywords_weight_by_copies():
    texts = [("公民館の開館時間を延長してほしい。", 120), ("補助金を増やしてほしい。", 3)]
    keywords = dict(extract_keywords({"section-3": texts})["section-3"])
    assert keywords["公民館"] == 120
    assert keywords["補助金"] == 3


def test_equal_texts_are_merged_before_counting():
    counts = count_keywords([("公民館を使いたい。", 2), ("公民館を使いたい。", 5)])
    assert counts["公民館"] == 7


def test_word_counts_once_per_opinion():
    counts = count_keywords([("公民館、公民館、公民館。公民館がほしい。", 1)])
    assert counts["公民館"] == 1


def test_verbs_and_adjectives_by_dictionary_form():
    words = content_words("会議室を使った。駐車場が狭くて困りました。")
    assert {"会議室", "使う", "駐車場", "狭い", "困る"} <= words


def test_function_words_numbers_pronouns_and_stop_words_dropped():
    words = content_words("私はこれについて3回ほど意見を言いましたが、そのことは2025年に考えます。")
    assert words.isdisjoint({"私", "これ", "こと", "意見", "言う", "考える", "3", "回", "年", "2025", "する", "は"})


def test_counter_nouns_kept_when_not_counting():
    assert "時間" in content_words("開館時間が短い。")
    assert "時間" not in content_words("2時間で閉まる。")


def test_single_kana_tokens_dropped():
    words = content_words("ね、ア、それはさ、ぜんぶ公園の話。")
    assert all(len(word) > 1 or not ("\u3041" <= word <= "\u30ff") for word in words)
    assert "公園" in words


def test_top_keywords_sorted_by_count_then_word_and_truncated():
    texts = [("公民館", 3), ("図書館", 3), ("体育館", 5), ("児童館", 1)]
    assert extract_keywords({1: texts}, top=3)[1] == [("体育館", 5), ("公民館", 3), ("図書館", 3)]


def test_overall_keywords_aggregate_every_section():
    counts = count_keywords_by_key({1: [("公民館を増やして。", 4)], 2: [("公民館と図書館。", 2)]})
    assert overall_keywords(counts) == [("公民館", 6), ("増やす", 4), ("図書館", 2)]


def test_threaded_counting_equals_single_thread():
    texts = [
        (f"第{i}地区の公民館では{'子育て' if i % 2 else '高齢者'}の活動が盛んです。", 1 + i % 3) for i in range(1200)
    ]
    assert count_keywords(texts, workers=2) == count_keywords(texts, workers=1)
    assert count_keywords(texts, workers=2)["公民館"] == sum(copies for _, copies in texts)


def test_empty_input_gives_empty_keywords():
    assert extract_keywords({}) == {}
    assert extract_keywords({"a": []}) == {"a": []}
    assert count_keywords([]) == Counter()


def test_words_outside_the_dictionary_each_count_as_written():
    # Sudachi gives every unknown noun the same word id: a word remembered by its id would make the
    # second one read as the first.
    assert "オンラン" in content_words("オンランで申請したい")
    assert content_words("ズビズバで申請したい") == {"ズビズバ", "申請"}
    assert count_keywords([("ホゲラ公園がほしい", 2), ("ピヨラ公園がほしい", 1)]) == Counter(
        {"公園": 3, "ホゲラ": 2, "ピヨラ": 1})


class _Forgetful(dict):
    """Remembers nothing: every morpheme is looked at afresh, as before words were remembered."""

    def __setitem__(self, key, value):
        pass


def test_remembered_words_give_the_counts_of_words_looked_at_afresh(monkeypatch):
    # 時間 twice in one text, once after a number (not counted there): a remembered word keeps its class,
    # and the rule about the number before it is applied again each time.
    texts = [("公民館の開館時間を延長してほしい。2時間では短い。", 2), ("私は3回図書館を使いました。", 1),
             ("駐車場が狭くて困りました。2時間待った。", 4)]
    monkeypatch.setattr(keywords, "_words", _Forgetful())
    afresh = count_keywords(texts)
    monkeypatch.setattr(keywords, "_words", {})
    assert count_keywords(texts) == afresh
    assert keywords._words  # remembered now
    assert count_keywords(texts) == afresh  # and counted from what was remembered
    monkeypatch.setattr(keywords, "WORDS_KEPT", 3)  # emptied again and again while counting
    monkeypatch.setattr(keywords, "_words", {})
    assert count_keywords(texts) == afresh
    assert len(keywords._words) <= 3
    assert afresh["時間"] == 2 and afresh["図書館"] == 1 and "回" not in afresh and "私" not in afresh
