"""The city's glossary: words staff explain in やさしい日本語, listed on /glossary and linked from their first
use on each public page. Flush only."""

import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.extensions import db
from app.reading.models import GlossaryTerm
from app.reading.ruby import KANJI, hiragana

FORBIDDEN = "<>&\"'"
# How long a process keeps the terms when it cannot learn of an edit (Redis down: the generation stays).
KEEP_SECONDS = 60.0


class GlossaryError(DomainError):
    def describe(self) -> str:
        if self.code == "duplicate":
            return _("「%(term)s」 is already in the glossary: change its entry instead.", term=self.params["term"])
        if self.code == "reading_needed":
            return _("A word with kanji needs its reading in hiragana, e.g. きょうどう.")
        return _("This word is no longer in the glossary.")


@dataclass(frozen=True)
class Term:
    id: int
    term: str
    reading: str
    explanation: str

    @property
    def anchor(self) -> str:
        return f"term-{self.id}"


def terms() -> list[GlossaryTerm]:
    """In the order of their readings (五十音順), as a Japanese glossary is read."""
    return list(db.session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.reading, GlossaryTerm.term)))


def current() -> tuple[Term, ...]:
    """What pages are marked up with: one small query per page; the matcher itself is cached per version."""
    return tuple(Term(*row) for row in db.session.execute(
        select(GlossaryTerm.id, GlossaryTerm.term, GlossaryTerm.reading, GlossaryTerm.explanation)
        .order_by(GlossaryTerm.id)))


def kept() -> tuple[Term, ...]:
    """``current()``, kept per process for as long as the page cache's generation stays the same
    (``app.core.pagecache.generation``: a commit that adds, changes or removes a term moves it, in every
    process within a second) and at most ``KEEP_SECONDS``. So an uncached page costs no query for its
    terms. With the page cache off (tests, ``PUBLIC_PAGE_CACHE_SECONDS=0``) they are read each time."""
    from app.core.pagecache import generation

    version = generation()
    if version is None:
        return current()
    now = time.monotonic()
    held = current_app.extensions.get("meyasu_glossary_terms")
    if held is not None and held[0] == version and held[1] > now:
        return held[2]
    entries = current()
    current_app.extensions["meyasu_glossary_terms"] = (version, now + KEEP_SECONDS, entries)
    return entries


@lru_cache(maxsize=32)
def by_text(entries: tuple[Term, ...]) -> dict[str, Term]:
    return {entry.term: entry for entry in entries}


def normalise_term(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def _reading(term: str, reading: str) -> str:
    """The reading in hiragana; a word in kana is read as written, so its reading may be left out."""
    reading = hiragana(unicodedata.normalize("NFKC", reading or "").strip())
    if not reading:
        if KANJI.search(term):
            raise GlossaryError("reading_needed", "reading")
        reading = hiragana(term)
    return reading


def add_term(term: str, reading: str, explanation: str, *, actor) -> GlossaryTerm:
    """A new word for the glossary; each word once."""
    term = normalise_term(term)
    if db.session.scalar(select(GlossaryTerm.id).where(GlossaryTerm.term == term)) is not None:
        raise GlossaryError("duplicate", "term", term=term)
    entry = GlossaryTerm(term=term, reading=_reading(term, reading), explanation=explanation.strip())
    db.session.add(entry)
    db.session.flush()
    record_audit("glossary_term.add", entry, actor=actor, details={"term": term})
    return entry


def update_term(term_id: int, reading: str, explanation: str, *, actor) -> GlossaryTerm:
    """A better reading or explanation; the word itself stays (remove it and add the new one to rename)."""
    entry = db.session.get(GlossaryTerm, term_id)
    if entry is None:
        raise GlossaryError("gone")
    entry.reading = _reading(entry.term, reading)
    entry.explanation = explanation.strip()
    db.session.flush()
    record_audit("glossary_term.edit", entry, actor=actor, details={"term": entry.term})
    return entry


def delete_term(term_id: int, *, actor) -> None:
    entry = db.session.get(GlossaryTerm, term_id)
    if entry is None:
        raise GlossaryError("gone")
    record_audit("glossary_term.delete", entry, actor=actor, details={"term": entry.term})
    db.session.delete(entry)
    db.session.flush()
