"""Text normalisation shared by every feature that compares or counts opinion text, and the
one rule every stored text keeps: no bidirectional controls.

Japanese input arrives in mixed widths (ＡＢＣ／ABC, ｶﾅ/カナ, full-width spaces), so
everything goes through NFKC first; after that the two normal forms differ only in
how much they throw away.
"""

import re
import unicodedata

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

# Any run of Unicode whitespace, including the ideographic space U+3000.
_WHITESPACE = re.compile(r"\s+")
# Embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the left-to-right and
# right-to-left marks and the Arabic letter mark. Pasted into an opinion or a name, U+202E shows
# "gnp.exe" as "exe.png" and reorders whatever follows on every page and export that prints it;
# Japanese text never needs them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


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


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional controls; every other character kept as it was."""
    return _BIDI_CONTROLS.sub("", text)


def normalize(text: str) -> str:
    """NFKC, every whitespace run collapsed to one ASCII space, ends stripped."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", strip_bidi(text))).strip()


def normalize_for_match(text: str) -> str:
    """NFKC, lowercased, with all whitespace, punctuation and symbols removed.

    Two opinions with equal results say the same words, whatever their spacing,
    width, case or punctuation; this is the key for exact-duplicate detection.
    """
    return _IGNORABLE.sub("", unicodedata.normalize("NFKC", strip_bidi(text)).lower())


def char_ngrams(text: str, n: int) -> list[str]:
    """Overlapping character n-grams; a text shorter than n yields itself (if non-empty)."""
    if n < 1:
        raise ValueError("n must be positive")
    if len(text) < n:
        return [text] if text else []
    return [text[i : i + n] for i in range(len(text) - n + 1)]


@event.listens_for(Session, "before_flush")
def _strip_bidi_before_storing(session: Session, flush_context, instances) -> None:
    """Every text column of every row written, whichever door it came through (a citizen's form,
    a staff form, a batch import, the CLI), is stored without bidirectional controls.

    Only values already loaded are looked at: a row merely touched is not read back for this."""
    for obj in (*session.new, *session.dirty):
        state = sa_inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)
            if isinstance(value, str) and _BIDI_CONTROLS.search(value):
                setattr(obj, attr.key, strip_bidi(value))
