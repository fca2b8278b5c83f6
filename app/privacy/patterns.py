"""The pattern recognisers of the personal-data detector: phone and fax numbers, email addresses,
postal codes, My Number-like runs and street addresses.

They read a normalised copy of the text (NFKC; hyphen variants between digits made "-") and give
their spans back in the caller's text. Each candidate carries a score; a context word shortly
before it (電話, 住所, 〒 …, from data/lexicon.json) raises the score, as Presidio's context
enhancer does. detect.py keeps the candidates that reach its threshold.
"""

import json
import re
import unicodedata
from pathlib import Path

LEXICON = json.loads((Path(__file__).parent / "data" / "lexicon.json").read_text(encoding="utf-8"))
CONTEXT_BOOST = 0.35
# Characters before a candidate searched for context words (電話：, 住所は, 郵便番号 …).
CONTEXT_WINDOW = 12

Candidate = tuple[str, int, int, float]  # kind, start, end (in the original text), score

_CONTEXT: dict[str, tuple[str, ...]] = {kind: tuple(words) for kind, words in LEXICON["context"].items()}
KANJI_DIGITS = "〇一二三四五六七八九十百千"
# Dashes people type between the groups of a number; ー (the long-vowel mark) is the usual IME slip.
HYPHENS = "‐‑‒–—―−－ーｰ─━﹣"
_HYPHEN_IN_NUMBER = re.compile(f"(?<=[0-9{KANJI_DIGITS}])[{HYPHENS}](?=[0-9{KANJI_DIGITS}])")
# Circled and parenthesised numbers are list markers: as NFKC digits they would glue onto a number.
_ENCLOSED = re.compile("[\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]")
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _NormalisedChars(dict):
    """NFKC of one character, remembered: normalising character by character keeps the map back to
    the original, and a look-up costs a fifth of ``unicodedata.normalize``."""

    def __missing__(self, char: str) -> str:
        piece = " " if _ENCLOSED.match(char) else unicodedata.normalize("NFKC", char)
        if len(self) < 20000:
            self[char] = piece
        return piece


_NFKC = _NormalisedChars()


class NormalisedText:
    """The caller's text, its normalised copy (``norm``, and ``folded`` in lower case) and the map back."""

    def __init__(self, original: str):
        self.original = original
        pieces = [_NFKC[char] for char in original]
        norm = "".join(pieces)
        # Usually every character stays one character (０→0, （→( ); only the likes of ㈱ and ½ grow.
        self._origin = None if len(norm) == len(original) else [i for i, piece in enumerate(pieces) for _ in piece]
        self.norm = _HYPHEN_IN_NUMBER.sub("-", norm)
        self.folded = self.norm.translate(ASCII_LOWER)

    def origin(self, position: int) -> int:
        """Position in the original text of ``norm[position]``."""
        return position if self._origin is None else self._origin[position]

    def candidate(self, kind: str, start: int, end: int, score: float) -> Candidate:
        """A candidate over ``norm[start:end]``, its offsets in the original text."""
        return kind, self.origin(start), self.origin(end - 1) + 1, score

    def has_context(self, kind: str, start: int) -> bool:
        window = self.folded[max(0, start - CONTEXT_WINDOW) : start]
        return any(word in window for word in _CONTEXT[kind])


# Not inside a longer number or a decimal: the lookbehinds keep 2025-01-06's "01-06" out. A colon
# may come before (電話:083-…), so times are kept out by the shapes themselves.
_NOT_AFTER_NUMBER = r"(?<![\d.,+])(?<!\d-)"
_NOT_BEFORE_NUMBER = r"(?!\d)(?![-.,]\d)"
_PHONE = re.compile(
    _NOT_AFTER_NUMBER
    + r"""(?P<number>
        \(0\d{1,4}\)\s?\d{1,4}[-\s]?\d{3,4}                     # (0832) 00-0000, (083)231-1111
      | 0\d{1,4}\s?\(\d{1,4}\)\s?\d{3,4}                        # 083(231)1111
      | (?:\+81[-\s]?|0)\d{1,4}[-\s.]\d{1,4}[-\s.]\d{3,4}       # 083-231-1111, 090 1234 5678, +81-90-…
      | (?:\+81[-\s]?|0)\d{2,4}[-\s.]\d{5,8}                    # 0832-231111, 090-12345678
      | (?P<bare>0\d{9,10})                                     # 0832231111, 09012345678
    )"""
    + _NOT_BEFORE_NUMBER,
    re.X,
)
# Japanese numbers are ten digits from the leading 0; mobiles, IP phones and 0800 have eleven.
_ELEVEN_DIGIT_PREFIXES = ("070", "080", "090", "050", "020", "060", "0800")


def phones(t: NormalisedText) -> list[Candidate]:
    found = []
    for match in _PHONE.finditer(t.norm):
        digits = re.sub(r"\D", "", match["number"])
        if match["number"].startswith("+"):
            digits = "0" + digits[2:]
        if not (
            (len(digits) == 10 and digits[1] != "0")
            or (len(digits) == 11 and digits.startswith(_ELEVEN_DIGIT_PREFIXES))
        ):
            continue
        # A bare run of ten digits may be any reference number; grouped, it is written as a phone.
        score = 0.6 if match["bare"] else 0.8
        if t.has_context("phone", match.start()):
            score += CONTEXT_BOOST
        found.append(t.candidate("phone", *match.span(), score))
    return found


# Whitespace may stand around a bracket or a word, but each space has one place to go in the
# pattern: "x@a dot a dot …" must not backtrack exponentially. A domain has at most eight labels.
_AT = (
    r"(?:\s*(?:@|[(\[<「]\s*(?:アットマーク|アット|あっとまーく|あっと)\s*[)\]>」]|アットマーク|アット|あっとまーく|あっと"
    r"|[(\[<]\s*at\s*[)\]>])\s*|\s+at\s+)"
)
_DOT = r"(?:\.|\s*(?:[(\[<]\s*(?:ドット|どっと|dot)\s*[)\]>]|ドット|どっと|\sdot\s)\s*)"
_EMAIL = re.compile(
    rf"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]{{0,63}}(?P<at>{_AT})"
    rf"[a-z0-9-]{{1,63}}(?:{_DOT}[a-z0-9-]{{1,63}}){{0,7}}{_DOT}[a-z]{{2,24}}(?![a-z0-9])",
    re.I,
)


def emails(t: NormalisedText) -> list[Candidate]:
    found = []
    for match in _EMAIL.finditer(t.norm):
        # Spelled out (アット, (at)) it is as deliberate, but "at" also joins English words.
        score = 0.95 if match["at"].strip() == "@" else 0.8
        if t.has_context("email", match.start()):
            score += CONTEXT_BOOST
        found.append(t.candidate("email", *match.span(), score))
    return found


_POSTAL = re.compile(
    r"(?P<mark>〒\s*)?" + _NOT_AFTER_NUMBER + r"(?P<code>\d{3}(?P<dash>-?)\d{4})" + _NOT_BEFORE_NUMBER
)


def postal_codes(t: NormalisedText) -> list[Candidate]:
    found = []
    for match in _POSTAL.finditer(t.norm):
        kind = "postal_code"
        if match["mark"]:
            score = 0.95
        elif t.has_context("postal_code", match.start()):
            score = (0.55 if match["dash"] else 0.2) + CONTEXT_BOOST
        elif t.has_context("phone", match.start()) and match["dash"]:
            # 123-4567 is a postal code's shape, but after 電話 it is a number without its area code.
            kind, score = "phone", 0.6
        else:
            score = 0.55 if match["dash"] else 0.2
        found.append(t.candidate(kind, *match.span("code"), score))
    return found


_MY_NUMBER = re.compile(_NOT_AFTER_NUMBER + r"(?<!\d\s)\d{4}(?P<sep>[-\s]?)\d{4}(?P=sep)\d{4}" + _NOT_BEFORE_NUMBER)


def my_number_check_digit_ok(digits: str) -> bool:
    """The check digit of a 個人番号 (総務省令第85号 第5条) over its twelve digits."""
    total = sum(int(digits[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    remainder = total % 11
    return int(digits[11]) == (0 if remainder <= 1 else 11 - remainder)


def my_numbers(t: NormalisedText) -> list[Candidate]:
    found = []
    for match in _MY_NUMBER.finditer(t.norm):
        # Any twelve digits are flagged; a right check digit makes a mistyped amount unlikely.
        score = 0.8 if my_number_check_digit_ok(re.sub(r"\D", "", match[0])) else 0.55
        if t.has_context("my_number", match.start()):
            score += CONTEXT_BOOST
        found.append(t.candidate("my_number", *match.span(), score))
    return found


# A house number as people write it: 4丁目1番22号, 123番地の4, 1番22号, 4-1-22, 四丁目一番二十二号, or a
# bare number right after a town. The place written before it decides how sure we are.
_N = rf"(?:\d{{1,4}}|[{KANJI_DIGITS}]{{1,6}})"
_STREET = re.compile(
    rf"(?<![\d{KANJI_DIGITS}第:.,/+-])"
    rf"""(?:
        (?P<chome>{_N}\s?丁目)(?P<block>\s?{_N}\s?(?:番地?|-|の)(?:\s?{_N}(?:\s?号)?)?(?:-{_N})?)?
      | (?P<banchi>{_N}\s?番地(?:\s?の?\s?{_N})?(?:\s?-\s?{_N})*(?:\s?{_N}\s?号)?)
      | (?P<bango>{_N}\s?番\s?{_N}\s?号)
      | (?P<dashes>{_N}(?:\s?[-の]\s?{_N}){{1,3}})
      | (?P<bare>\d{{1,4}})(?![\u4e00-\u9fff\u30a0-\u30ffA-Za-z])
    )(?:\s?号室?)?"""
    rf"(?![\d{KANJI_DIGITS}:.,/%年月日時分秒人件円回歳階名個本枚割倍万億章節条項次期度-])",
    re.X,
)
PREFECTURES = tuple(LEXICON["prefectures"])
_ADDRESS_PREFIXES = re.compile("|".join(sorted(map(re.escape, LEXICON["address_prefixes"]), key=len, reverse=True)))
_TOWN_END = re.compile(r"(?:[町村]|大?字\S+)$")
_MUNICIPALITY = re.compile(r"[都道府県市区郡].")
_DATE_LIKE = re.compile(r"(?:19|20)\d\d-(?:0?[1-9]|1[0-2])\b")


def _is_place_char(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u30a1" <= char <= "\u30fc" or char in "々〆"


def _place_start(norm: str, end: int) -> int:
    """Where the place name written right before a house number starts (== end when none)."""
    start = end - 1 if end and norm[end - 1] == " " else end
    while start > 0 and end - start < 30:
        char = norm[start - 1]
        # の/が/ケ join parts of a place name (江の浦町, 霞が関, 梅ケ丘) but not a word to a place.
        if _is_place_char(char) or (char in "のがノケヶ" and start > 1 and _is_place_char(norm[start - 2])):
            start -= 1
        else:
            break
    # 住所は… stops at は already; 自宅住所下関市… and 私の自宅竹崎町… are cut after the label.
    labels = list(_ADDRESS_PREFIXES.finditer(norm, start, end))
    return labels[-1].end() if labels else start


def addresses(t: NormalisedText, places: set[int]) -> list[Candidate]:
    """Street addresses; ``places`` holds the positions in the original text Sudachi tagged 地名."""
    found = []
    for match in _STREET.finditer(t.norm):
        before = match.start() - 1
        if before >= 0 and t.norm[before] == " ":
            before -= 1
        if match["bare"] and (before < 0 or not _is_place_char(t.norm[before])):
            continue  # the common case, every other number in the text: skip it cheaply
        start = _place_start(t.norm, match.start())
        place = t.norm[start : match.start()].strip()
        known_place = bool(place) and (
            place.startswith(PREFECTURES) or bool(_TOWN_END.search(place)) or t.origin(before) in places
        )
        if match["chome"]:
            # 2丁目 alone is a neighbourhood of hundreds of homes; with a block number it is a home.
            score = (0.65 + 0.25 * known_place) if match["block"] else (0.3 + 0.15 * known_place)
        elif match["banchi"] or match["bango"]:
            score = 0.65 + 0.25 * known_place
        elif match["dashes"]:
            groups = re.split(r"\s?[-の]\s?", match["dashes"])
            # House numbers never start with 0 (a phone does) and 2025-01 is a date.
            if groups[0].startswith("0") or _DATE_LIKE.match(match["dashes"]):
                continue
            score = (0.45 + 0.4 * known_place) if len(groups) >= 3 else (0.3 + 0.5 * known_place)
        else:
            # 下関市南部町123: a bare number counts only after a municipality and a town.
            score = 0.55 if _TOWN_END.search(place) and _MUNICIPALITY.search(place) else 0.1
        if t.has_context("address", start):
            score += 0.3
        found.append(t.candidate("address", start, match.end(), score))
    return found
