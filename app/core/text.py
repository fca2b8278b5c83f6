"""Text normalisation shared by every feature that compares or counts opinion text.

Japanese input arrives in mixed widths (ＡＢＣ／ABC, ｶﾅ/カナ, full-width spaces), so
everything goes through NFKC first; after that the two normal forms differ only in
how much they throw away.
"""

import re
import unicodedata

# Any run of Unicode whitespace, including the ideographic space U+3000.
_WHITESPACE = re.compile(r"\s+")


def _is_ignorable(char: str) -> bool:
    """Whitespace, punctuation (P*) and symbols (S*) carry no wording for matching.

    The Unicode categories cover Japanese punctuation too (。、「」『』・！？〜… are P*,
    ～ after NFKC is S*), while the long-vowel mark ー is a letter (Lm) and stays.
    """
    return char.isspace() or unicodedata.category(char)[0] in "PS"


def _ignorable_pattern() -> re.Pattern[str]:
    """One character class of every ignorable BMP code point, as contiguous ranges.

    A compiled class makes removal a single C-level pass; astral punctuation is rare
    enough to leave out.
    """
    codes = [code for code in range(0x10000) if _is_ignorable(chr(code))]
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    parts = (re.escape(chr(lo)) + ("-" + re.escape(chr(hi)) if hi > lo else "") for lo, hi in ranges)
    return re.compile("[" + "".join(parts) + "]+")


_IGNORABLE = _ignorable_pattern()


def normalize(text: str) -> str:
    """NFKC, every whitespace run collapsed to one ASCII space, ends stripped."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def normalize_for_match(text: str) -> str:
    """NFKC, lowercased, with all whitespace, punctuation and symbols removed.

    Two opinions with equal results say the same words, whatever their spacing,
    width, case or punctuation; this is the key for exact-duplicate detection.
    """
    return _IGNORABLE.sub("", unicodedata.normalize("NFKC", text).lower())


def char_ngrams(text: str, n: int) -> list[str]:
    """Overlapping character n-grams; a text shorter than n yields itself (if non-empty)."""
    if n < 1:
        raise ValueError("n must be positive")
    if len(text) < n:
        return [text] if text else []
    return [text[i : i + n] for i in range(len(text) - n + 1)]
