"""The city's dictionary for ふりがな: read for every page that shows readings, edited by admins. Flush only."""

import unicodedata

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.extensions import db
from app.reading.models import ReadingEntry
from app.reading.ruby import HIRAGANA, CityDictionary


class ReadingError(DomainError):
    def describe(self) -> str:
        if self.code == "duplicate":
            return _("「%(surface)s」 is already in the dictionary: remove it first to change its reading.",
                     surface=self.params["surface"])
        return _("This word is no longer in the dictionary.")


def entries() -> list[ReadingEntry]:
    return list(db.session.scalars(select(ReadingEntry).order_by(ReadingEntry.surface)))


def city_dictionary() -> CityDictionary:
    """What the readings of a page are worked out with: one small query, the work itself is cached per version."""
    return CityDictionary((surface, reading) for surface, reading in db.session.execute(
        select(ReadingEntry.surface, ReadingEntry.reading)))


def normalise_reading(value: str) -> str:
    """Half-width or katakana typing becomes the hiragana the dictionary keeps (ｼﾓﾉｾｷ → しものせき)."""
    from app.reading.ruby import hiragana

    return hiragana(unicodedata.normalize("NFKC", value).strip())


def is_reading(value: str) -> bool:
    return bool(HIRAGANA.match(value))


def add_entry(surface: str, reading: str, note: str, *, actor) -> ReadingEntry:
    """A new word for every page's readings; one reading per written form."""
    surface = unicodedata.normalize("NFKC", surface).strip()
    if db.session.scalar(select(ReadingEntry.id).where(ReadingEntry.surface == surface)) is not None:
        raise ReadingError("duplicate", "surface", surface=surface)
    entry = ReadingEntry(surface=surface, reading=normalise_reading(reading), note=note.strip())
    db.session.add(entry)
    db.session.flush()
    record_audit("reading_entry.add", entry, actor=actor, details={"surface": surface, "reading": entry.reading})
    return entry


def delete_entry(entry_id: int, *, actor) -> None:
    entry = db.session.get(ReadingEntry, entry_id)
    if entry is None:
        raise ReadingError("gone")
    record_audit("reading_entry.delete", entry, actor=actor, details={"surface": entry.surface})
    db.session.delete(entry)
    db.session.flush()
