"""What makes a password too easy to guess, checked wherever one is set (account creation, change).

Length alone lets ``password1234`` through. ``data/common-passwords.txt`` holds the 10,000 most
common passwords (lower case, most common first): the head of the list that Django ships in
``django/contrib/auth/common-passwords.txt.gz`` (Royce Williams' list, from leaked passwords),
keeping printable ASCII entries only. A password is refused when it, or what is left of it once the
digits and symbols at either end are taken off (``password1234`` → ``password``), is on that list,
is one short piece repeated, is a run of keys in order, or contains the local part of the email.
"""

import string
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"
# Runs people type in order, either way round; a password inside one (wrapping around) is a sequence.
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm",
             "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "1q2w3e4r5t6y7u8i9o0p")
# Shorter than this, what remains between the digits and symbols is too little to judge on its own.
MIN_CORE = 4
# Shorter than this, an email's local part ("a", "jo") turns up in too many good passwords.
MIN_LOCAL_PART = 3


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(COMMON_PASSWORDS.read_text(encoding="ascii").split())


def _repeated(text: str) -> bool:
    """One piece, at most half as long as the whole, written again and again (``aaaa…``, ``abab…``)."""
    return any((text[:size] * (len(text) // size + 1))[: len(text)] == text for size in range(1, len(text) // 2 + 1))


def _in_sequence(text: str) -> bool:
    return any(text in run * 3 or text in (run * 3)[::-1] for run in SEQUENCES)


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` is refused (an ``AccountError`` code), or None when it is good enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "password_too_short"
    lowered = password.lower()
    core = lowered.strip(string.digits + string.punctuation + string.whitespace)
    candidates = [lowered] + ([core] if len(core) >= MIN_CORE and core != lowered else [])
    local_part = email.strip().lower().partition("@")[0]
    if len(local_part) >= MIN_LOCAL_PART and local_part in lowered:
        return "password_contains_email"
    if any(_repeated(text) for text in candidates):
        return "password_repeated"
    if any(_in_sequence(text) for text in candidates):
        return "password_sequence"
    if any(text in common_passwords() for text in candidates):
        return "password_common"
    return None
