"""Keywords per plan section, counted with SudachiPy.

A keyword's count is the number of opinions that use the word at least once (one
opinion repeating a word five times should not outweigh five opinions), and a text
sent in N copies counts N times but is tokenised once.

Split mode B: mode C glues lexicalised compounds (オンライン申請) that other opinions
write as two words, scattering one topic over several counts; mode A cuts words a
reader expects whole (公民館 stays whole in B). B keeps counts comparable.
"""

import os
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from threading import Lock, local
from typing import TypeVar

import sudachipy

Key = TypeVar("Key", bound=Hashable)

SPLIT_MODE = "B"
# Tokenising releases the GIL, so threads use more than one core; small inputs stay
# on the calling thread where a pool would cost more than it saves.
WORKERS = min(4, os.cpu_count() or 1)
MIN_TEXTS_PER_WORKER = 500
# Only these two word fields are read; loading fewer is Sudachi's fast path. Without
# "pos" every morpheme would report a dummy part of speech.
_FIELDS = {"pos", "dictionary_form"}

# Parts of speech kept (first level of the Sudachi POS tuple).
# 形状詞 (na-adjectives: 必要, 重要, 大切) are adjectives in meaning, so they stay.
_KEEP = {"名詞", "動詞", "形容詞", "形状詞"}
# 数詞 are numbers; 非自立可能 marks auxiliaries (する, ある, いる, なる, ほしい, くださる);
# 助動詞語幹 are stems like そう in そうだ. Pronouns are their own POS (代名詞), so they
# are excluded by _KEEP already.
_DROP_SUBTYPES = {"数詞", "非自立可能", "助動詞語幹"}
# Frequent words that say nothing about the topic of a public comment.
# fmt: off
STOP_WORDS = frozenset(
    {
        "こと", "もの", "ため", "よう", "ところ", "とき", "方", "等", "など", "中", "上", "下", "内", "外", "的", "点", "件",
        "場合", "今回", "今後", "以上", "以下", "ほか", "他", "それぞれ", "全て", "すべて", "是非", "ぜひ", "思う", "考える", "言う",
        "いう", "感じる", "感ずる", "願う", "おる", "行う", "持つ", "出来る", "できる", "良い", "よい", "いい", "ない", "多い", "少ない", "大きい",
        "小さい", "必要", "とる", "つく", "見る", "聞く", "私", "皆さん", "自分", "お願い", "意見", "計画", "案", "本", "市", "当",
        "各", "様", "さん",
    }
)
# fmt: on

_dictionary: sudachipy.Dictionary | None = None
_dictionary_lock = Lock()
_thread = local()
_pos_cache: dict[int, str] = {}  # part_of_speech_id -> _pos_class()
# A dictionary word's class and the word it counts as (its dictionary form, or None when it is never
# counted), by its id in the dictionary: asking the morpheme for its part of speech and dictionary form
# held the GIL for a third of a text's time, which the tokenising threads spent one at a time
# (bench/README.md, forty-second session). Words not in the dictionary (OOV) share ids, so they are
# looked at each time. Emptied when full: a period's vocabulary is some tens of thousands of words, and
# a worker keeps these for its life (100,000 of them take about 22 MB).
_words: dict[int, tuple[str, str | None]] = {}
WORDS_KEPT = 100_000


def dictionary() -> sudachipy.Dictionary:
    """The process-wide Sudachi core dictionary, loaded on first use."""
    global _dictionary
    with _dictionary_lock:
        if _dictionary is None:
            _dictionary = sudachipy.Dictionary(dict="core")
        return _dictionary


def tokenizer() -> sudachipy.Tokenizer:
    """This thread's tokenizer over the shared dictionary, created on first use.

    A Sudachi Tokenizer must not be used by two threads at once, while tokenising
    releases the GIL: one tokenizer per thread lets threads share the CPU cores.
    (``Dictionary.create()`` is deprecated in SudachiPy 0.7; ``tokenizer()`` is the same.)
    """
    if getattr(_thread, "tokenizer", None) is None:
        _thread.tokenizer = dictionary().tokenizer(mode=SPLIT_MODE, fields=_FIELDS)
    return _thread.tokenizer


def _pos_class(pos: tuple[str, ...]) -> str:
    """Class of a part of speech: number, counter (a noun that may count: 年, 回, 時間),
    content or other.

    Content words are nouns, verbs, adjectives and na-adjectives, without numbers or
    auxiliaries.
    """
    if pos[0] == "名詞" and pos[1] == "数詞":
        return "number"
    if pos[0] not in _KEEP or pos[1] in _DROP_SUBTYPES:
        return "other"
    return "counter" if pos[2] == "助数詞可能" else "content"


def _is_single_kana(word: str) -> bool:
    """One hiragana or katakana character (ぁ-ゟ, ゠-ヿ): almost always a fragment."""
    return len(word) == 1 and "\u3041" <= word <= "\u30ff"


def content_words(text: str) -> set[str]:
    """Distinct content words of one text, by dictionary form (使っ -> 使う).

    A counter right after a number (3回, 2025年) is part of the quantity, not a topic;
    elsewhere (時間が足りない) it is kept.
    """
    words = set()
    after_number = False
    for morpheme in tokenizer().tokenize(text):
        word_id = morpheme.word_id()
        known = _words.get(word_id)
        if known is None:
            known = _word_of(morpheme)
            if not morpheme.is_oov():
                if len(_words) >= WORDS_KEPT:
                    _words.clear()
                _words[word_id] = known
        kind, word = known
        if word is not None and (kind == "content" or (kind == "counter" and not after_number)):
            words.add(word)
        after_number = kind == "number"
    return words


def _word_of(morpheme: sudachipy.Morpheme) -> tuple[str, str | None]:
    """The morpheme's class (``_pos_class``) and the word it counts as: its dictionary form, or None
    for a class never counted, a stop word or a single kana."""
    pos_id = morpheme.part_of_speech_id()
    kind = _pos_cache.get(pos_id)
    if kind is None:
        kind = _pos_cache[pos_id] = _pos_class(morpheme.part_of_speech())
    if kind not in ("content", "counter"):
        return kind, None
    word = morpheme.dictionary_form()
    return kind, None if word in STOP_WORDS or _is_single_kana(word) else word


def _words_of(texts: list[str]) -> list[set[str]]:
    return [content_words(text) for text in texts]


def count_keywords(texts: Iterable[tuple[str, int]], workers: int = WORKERS) -> Counter[str]:
    """Number of opinions using each content word; each (text, copies) pair counts
    ``copies`` times, and equal texts are tokenised once (spread over ``workers``
    threads when there are enough of them)."""
    copies: Counter[str] = Counter()
    for text, count in texts:
        copies[text] += count
    distinct = list(copies)
    if workers > 1 and len(distinct) >= MIN_TEXTS_PER_WORKER * workers:
        with ThreadPoolExecutor(workers) as pool:
            word_sets = [words for part in pool.map(_words_of, _split(distinct, workers)) for words in part]
    else:
        word_sets = _words_of(distinct)
    counts: Counter[str] = Counter()
    for text, words in zip(distinct, word_sets, strict=True):
        count = copies[text]
        for word in words:
            counts[word] += count
    return counts


def _split(texts: list[str], parts: int) -> list[list[str]]:
    """Contiguous, nearly equal parts, so the results concatenate back in input order."""
    size = -(-len(texts) // parts)
    return [texts[start : start + size] for start in range(0, len(texts), size)]


def count_keywords_by_key(texts_by_key: Mapping[Key, list[tuple[str, int]]]) -> dict[Key, Counter[str]]:
    """``count_keywords`` for each key (a plan section, usually)."""
    return {key: count_keywords(texts) for key, texts in texts_by_key.items()}


class KeywordTally:
    """``count_keywords_by_key`` fed in chunks: ``add`` texts, ``flush`` after each chunk (equal
    texts of one chunk are tokenised once, over one pool of ``workers`` threads kept for the
    whole tally), ``counts`` at the end. The counts are the same as counting everything at
    once; only the Counters are kept between chunks."""

    def __init__(self, workers: int = WORKERS):
        self.workers = workers
        self._counts: dict = {}
        self._pending: dict[str, Counter] = {}  # text -> copies per key
        self._pool: ThreadPoolExecutor | None = None

    def add(self, key: Hashable, text: str, copies: int = 1) -> None:
        self._counts.setdefault(key, Counter())
        self._pending.setdefault(text, Counter())[key] += copies

    def flush(self) -> None:
        distinct = list(self._pending)
        if self.workers > 1 and len(distinct) >= MIN_TEXTS_PER_WORKER * self.workers:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers)
            word_sets = [words for part in self._pool.map(_words_of, _split(distinct, self.workers)) for words in part]
        else:
            word_sets = _words_of(distinct)
        for text, words in zip(distinct, word_sets, strict=True):
            for key, copies in self._pending[text].items():
                counts = self._counts[key]
                for word in words:
                    counts[word] += copies
        self._pending = {}

    def counts(self) -> dict:
        """Per key, the number of opinions using each word (as ``count_keywords_by_key``)."""
        self.flush()
        self.close()
        return self._counts

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def top_keywords(counts: Counter[str], top: int = 20) -> list[tuple[str, int]]:
    """The ``top`` most used words, ties broken by the word so output is stable."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def extract_keywords(
    texts_by_key: Mapping[Key, list[tuple[str, int]]], top: int = 20
) -> dict[Key, list[tuple[str, int]]]:
    """Per key, its ``top`` keywords as (word, opinions using it), most used first."""
    return {key: top_keywords(counts, top) for key, counts in count_keywords_by_key(texts_by_key).items()}


def overall_keywords(counts_by_key: Mapping[Key, Counter[str]], top: int = 20) -> list[tuple[str, int]]:
    """Keywords of all keys together, from ``count_keywords_by_key`` output (so texts
    are not tokenised a second time)."""
    total: Counter[str] = Counter()
    for counts in counts_by_key.values():
        total.update(counts)
    return top_keywords(total, top)
