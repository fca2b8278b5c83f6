"""Readings of Japanese text as ``<ruby>`` (ふりがな), from SudachiPy and the city's dictionary.

Only words with kanji get a reading; kana, numbers, Latin text and URLs stay as they are. A word
whose kana ending (送り仮名) matches its reading carries the reading on its kanji only
(申<rt>もう</rt>し込<rt>こ</rt>み). The city's dictionary wins over the analyser: its surfaces are
cut out of the text first (下関 → しものせき), and a kana entry (ふくふくサポート) keeps a name whole.
"""

import re
from functools import lru_cache
from threading import local

import sudachipy

from app.privacy.analyser import dictionary as sudachi_dictionary

KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")
HIRAGANA = re.compile(r"^[\u3041-\u3096ー]+$")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30faー]")
_URL = re.compile(r"(?:https?://|www\.)[!#-;=?-~]+|[\w.+-]+@[\w-]+\.[\w.-]+", re.ASCII)
# After a number a counter is read as the number asks (1日 ついたち, 20日 はつか, 2人 ふたり, 3分 ぷん):
# no reading is better than a wrong one.
_COUNTERS = frozenset("日人分本")
_CHUNK = 4000
_thread = local()


def hiragana(text: str) -> str:
    """Katakana to hiragana (ー and everything else kept)."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


class CityDictionary:
    """The city's surfaces and readings, frozen and hashable so that cached annotations are per version."""

    def __init__(self, entries=()):
        self.entries = tuple(sorted(dict(entries).items()))
        self._hash = hash(self.entries)
        surfaces = sorted((s for s, _r in self.entries if s), key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, surfaces))) if surfaces else None
        self.readings = dict(self.entries)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, CityDictionary) and self.entries == other.entries


EMPTY = CityDictionary()


def _tokeniser() -> sudachipy.Tokenizer:
    """This thread's tokeniser (Sudachi's must not be shared between threads) over privacy's one dictionary."""
    tokeniser = getattr(_thread, "tokeniser", None)
    if tokeniser is None:
        tokeniser = _thread.tokeniser = sudachi_dictionary().tokenizer(
            mode=sudachipy.SplitMode.C, fields={"pos", "reading_form"})
    return tokeniser


def _analysed(text: str) -> list[tuple[str, str | None]]:
    pieces: list[tuple[str, str | None]] = []
    offset = 0
    while offset < len(text):
        end = min(len(text), offset + _CHUNK)
        for morpheme in _tokeniser().tokenize(text[offset:end]):
            surface = morpheme.surface()
            reading = None
            if KANJI.search(surface):
                reading = hiragana(morpheme.reading_form())
                previous = pieces[-1][0] if pieces else ""
                if not HIRAGANA.match(reading) or (surface in _COUNTERS and previous[-1:].isdigit()):
                    reading = None
            pieces.append((surface, reading))
        offset = end
    return pieces


def _marks(text: str, city: CityDictionary) -> list[tuple[int, int, str | None]]:
    """Spans the analyser does not decide: URLs and addresses (no reading), the city's words (theirs)."""
    marks = [(m.start(), m.end(), None) for m in _URL.finditer(text)]
    if city.pattern is not None:
        for match in city.pattern.finditer(text):
            if not any(start < match.end() and match.start() < end for start, end, _r in marks):
                marks.append((match.start(), match.end(), city.readings[match.group()]))
    return sorted(marks)


def pieces(text: str, city: CityDictionary = EMPTY) -> list[tuple[str, str | None]]:
    """``text`` cut into (surface, reading in hiragana or None when it gets none).

    The analyser reads the whole text, so that its words keep their context; a city word or a URL
    then replaces what it covers, and what is left of a word it cut into is read on its own
    (下関市市民: 下関市|市民 → 下関 しものせき, 市 し, 市民 しみん — not 市市 いちいち)."""
    marks = _marks(text, city)
    if not marks:
        return _analysed(text)
    found: list[tuple[str, str | None]] = []
    position = end = 0
    for surface, reading in _analysed(text):
        token_start, end = end, end + len(surface)
        if end <= position:
            continue  # inside a mark already given
        covering = [mark for mark in marks if mark[0] < end and mark[1] > max(token_start, position)]
        if not covering and token_start >= position:
            found.append((surface, reading))
            position = end
            continue
        cursor = max(token_start, position)
        for mark_start, mark_end, mark_reading in covering:
            if mark_start > cursor:
                found.extend(_analysed(text[cursor:mark_start]))
            word = text[mark_start:mark_end]
            found.append((word, mark_reading if mark_reading and KANJI.search(word) else None))
            cursor = mark_end
        if cursor < end:
            found.extend(_analysed(text[cursor:end]))
        position = max(cursor, end)
    return found


def reading_of(text: str, city: CityDictionary = EMPTY) -> str:
    """The whole text as it is read, in hiragana (what the accuracy benchmark compares)."""
    return "".join(reading if reading is not None else hiragana(surface) for surface, reading in pieces(text, city))


def _aligned(surface: str, reading: str) -> list[tuple[str, str | None]]:
    """申し込み/もうしこみ → 申/もう, し, 込/こ, み; Latin or digits inside a word (ＮＰＯ法人) get none.
    When the kana do not line up, the whole word carries the reading."""
    runs = re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]+|[\u3041-\u3096\u30a1-\u30faー]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ\u3041-\u3096\u30a1-\u30faー]+", surface)
    if len(runs) == 1:
        return [(surface, reading)]
    if any(not KANJI.match(run) and not _KANA.match(run) for run in runs):
        # The reading of Latin letters cannot be lined up (ＮＰＯ法人 エヌピーオーホウジン): each kanji run is read alone.
        return [(run, "".join(r or hiragana(s) for s, r in _analysed(run)) if KANJI.match(run) else None)
                for run in runs]
    parts = []
    for run in runs:
        if KANJI.match(run):
            parts.append("(.+?)")
        elif _KANA.match(run):
            parts.append("(" + re.escape(hiragana(run)) + ")")
    match = re.fullmatch("".join(parts), reading)
    if match is None:
        return [(surface, reading)]
    return [(run, match.group(i + 1) if KANJI.match(run) else None) for i, run in enumerate(runs)]


def ruby(surface: str, reading: str) -> str:
    return f"<ruby>{surface}<rt>{reading}</rt></ruby>"


@lru_cache(maxsize=50_000)
def annotate_text(text: str, city: CityDictionary = EMPTY) -> str:
    """``text`` (a text node of rendered HTML, entities left as they are) with its kanji words in
    ``<ruby>``; the same text and dictionary are worked out once per process."""
    if not KANJI.search(text):
        return text
    out = []
    for surface, reading in pieces(text, city):
        if reading is None or "&" in surface or ";" in surface:
            out.append(surface)
            continue
        for part, part_reading in _aligned(surface, reading):
            out.append(ruby(part, part_reading) if part_reading else part)
    return "".join(out)
