"""Personal data inside free Japanese text (個人情報の検出): phone and fax numbers, email
addresses, postal codes, street addresses, My Number-like runs and person names.

Shaped like Microsoft Presidio without taking the dependency: one recogniser per kind, each a
pattern (patterns.py) or the analyser (analyser.py, SudachiPy); context words raise a candidate's
score, and only candidates scoring THRESHOLD or more become findings. The submitter's own details
from the form are the strongest signal: wherever they recur in the text they are found
first-hand (source "submitter", score 1.0), whatever the patterns think.

A finding's offsets are in the text passed in, so ``finding.text == text[start:end]`` even when
it was matched on the normalised copy (NFKC, hyphen variants, spaces dropped).
"""

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, replace

from app.privacy import analyser, patterns
from app.privacy.patterns import ASCII_LOWER, HYPHENS, PREFECTURES, NormalisedText

KINDS: tuple[str, ...] = ("phone", "email", "postal_code", "address", "my_number", "name")
THRESHOLD = 0.5
# A pattern is never as sure as the submitter's own details typed back into the text.
PATTERN_CEILING = 0.95


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int  # offsets into the text passed in, not the normalised copy
    end: int
    text: str  # == text[start:end]
    score: float  # 0..1
    source: str  # "pattern" | "analyser" | "submitter" (recurrence of the submitter's own details)


@dataclass(frozen=True)
class Known:
    """The submitter's own details from the form; any may be ""."""

    name: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""


def find_personal_data(text: str, known: Known | None = None) -> list[Finding]:
    """Non-overlapping findings sorted by start (the longer/higher-score one wins an overlap)."""
    if not text or text.isspace():
        return []
    normalised = NormalisedText(text)
    tokens = analyser.tokens(text)
    places = {position for start, end, kind in tokens if kind == "place" for position in range(start, end)}
    candidates = [
        *patterns.phones(normalised),
        *patterns.emails(normalised),
        *patterns.postal_codes(normalised),
        *patterns.my_numbers(normalised),
        *patterns.addresses(normalised, places),
    ]
    findings = [
        Finding(kind, start, end, text[start:end], round(min(score, PATTERN_CEILING), 3), "pattern")
        for kind, start, end, score in candidates
        if score >= THRESHOLD
    ]
    findings += [
        Finding(kind, start, end, text[start:end], round(min(score, PATTERN_CEILING), 3), "analyser")
        for kind, start, end, score in analyser.names(text, tokens)
        if score >= THRESHOLD
    ]
    if known is not None:
        findings += _submitter_details(normalised, known, tokens)
    return _resolve(text, findings)


def _resolve(text: str, findings: list[Finding]) -> list[Finding]:
    """Overlaps of one kind become one finding over both (the submitter's, else the surer one);
    between kinds the longer, then the higher-scoring, finding wins."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.kind, f.start)):
        last = merged[-1] if merged else None
        if last is not None and last.kind == finding.kind and finding.start < last.end:
            start, end = last.start, max(last.end, finding.end)
            surer = max(last, finding, key=lambda f: (f.source == "submitter", f.score))
            merged[-1] = replace(surer, start=start, end=end, text=text[start:end])
        else:
            merged.append(finding)
    starts: list[int] = []  # of the kept findings, which never overlap: kept in order by start
    kept: list[Finding] = []
    for finding in sorted(merged, key=lambda f: (f.start - f.end, -f.score, f.start)):
        at = bisect_right(starts, finding.start)
        if (at == 0 or kept[at - 1].end <= finding.start) and (at == len(kept) or finding.end <= kept[at].start):
            starts.insert(at, finding.start)
            kept.insert(at, finding)
    return kept


# --- The submitter's own details --------------------------------------------------------------

_DROPPED_WHEN_MATCHING = frozenset(HYPHENS + " \t\r\n-()・")
# 4丁目1番22号 on the form is 4-1-22 in the text, or the other way round.
_HOUSE_NUMBER_MARKS = re.compile(r"(?<=\d)(?:丁目|番地の?|番|号|の)")
_PREFECTURE = re.compile("^(?:" + "|".join(PREFECTURES) + ")")
_UP_TO_MUNICIPALITY = re.compile(r"^.*?[市区郡]")


def _folded(norm: str) -> tuple[str, list[int]]:
    """``norm`` lower-cased without spaces, hyphens, brackets and house-number marks, and each
    remaining character's position in ``norm``."""
    kept = [(char, i) for i, char in enumerate(norm.translate(ASCII_LOWER)) if char not in _DROPPED_WHEN_MATCHING]
    folded = "".join(char for char, _ in kept)
    marks = {i for match in _HOUSE_NUMBER_MARKS.finditer(folded) for i in range(*match.span())}
    if marks:
        kept = [pair for i, pair in enumerate(kept) if i not in marks]
        folded = "".join(char for char, _ in kept)
    return folded, [i for _, i in kept]


def _needles(known: Known) -> list[tuple[str, str, bool]]:
    """(kind, folded text, whole detail?) to look for: each detail whole, and the parts of a name
    and an address that recur on their own."""
    needles = []

    def add(kind: str, value: str, minimum: int, whole: bool = True) -> None:
        folded = _folded(NormalisedText(value).norm)[0]
        if len(folded) >= minimum:
            needles.append((kind, folded, whole))

    # A detail the form left empty may come as None from a nullable column.
    name = unicodedata.normalize("NFKC", known.name or "").strip()
    add("name", name, 2)
    parts = name.split()
    if len(parts) < 2 and name:
        # 山田太郎 typed without a space: Sudachi tells the surname from the given name.
        parts = [name[start:end] for start, end, kind in analyser.tokens(name) if kind in ("surname", "given")]
    for part in parts:
        if part != name:
            add("name", part, 2, whole=False)
    address = unicodedata.normalize("NFKC", known.address or "").strip()
    add("address", address, 4)
    # The text often leaves out the prefecture and the city the form asked for.
    for shorter in (_PREFECTURE.sub("", address), _UP_TO_MUNICIPALITY.sub("", address)):
        if shorter != address and re.search(r"\d", shorter):
            add("address", shorter, 4, whole=False)
    phone = unicodedata.normalize("NFKC", known.phone or "").strip()
    if phone.startswith("+81"):
        phone = "0" + phone[3:]
    phone = re.sub(r"\D", "", phone)
    add("phone", phone, 6)
    add("email", (known.email or "").strip(), 5)
    return needles


def _submitter_details(normalised: NormalisedText, known: Known, tokens: list[analyser.Token]) -> list[Finding]:
    text = normalised.original
    folded, positions = _folded(normalised.norm)
    # 太郎 is not in 晋太郎: a name matches whole words only.
    word_starts = {start for start, _, _ in tokens}
    word_ends = {end for _, end, _ in tokens}
    found = []
    for kind, needle, whole in _needles(known):
        at = folded.find(needle)
        while at != -1:
            end = at + len(needle)
            start, stop = normalised.origin(positions[at]), normalised.origin(positions[end - 1]) + 1
            # 0832311111 inside a longer number is some other number.
            inside_number = (needle[0].isdigit() and at > 0 and folded[at - 1].isdigit()) or (
                needle[-1].isdigit() and end < len(folded) and folded[end].isdigit()
            )
            not_the_name = kind == "name" and (
                start not in word_starts
                or stop not in word_ends
                # The surname alone in 田中地区 or 山田工務店 is a place or a business.
                or (not whole and analyser.followed_by_organisation(text, stop))
            )
            if not (inside_number or not_the_name):
                found.append(Finding(kind, start, stop, text[start:stop], 1.0, "submitter"))
            at = folded.find(needle, at + 1)
    return found
