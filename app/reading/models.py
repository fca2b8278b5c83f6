from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class ReadingEntry(db.Model):
    """A word of the city's dictionary for ふりがな: place and group names the analyser reads wrong
    (下関 しものせき) or would cut apart (ふくふくサポート). It wins over the analyser."""

    __tablename__ = "reading_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    surface: Mapped[str] = mapped_column(String(40), unique=True)
    reading: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GlossaryTerm(db.Model):
    """A word of the city's glossary: its first use on each public page links to this やさしい日本語 explanation."""

    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(40), unique=True)
    reading: Mapped[str] = mapped_column(String(80))
    explanation: Mapped[str] = mapped_column(String(400))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def anchor(self) -> str:
        return f"term-{self.id}"

    @property
    def shows_reading(self) -> bool:
        """A word in kana is read as written: only a word with kanji shows its reading."""
        return has_kanji(self.term)


def has_kanji(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char in "々〆ヶ" for char in text)


class EasySummary(db.Model):
    """A short やさしい日本語 summary staff wrote for a comment period, a workshop or a period's result.

    One table for the three, keyed by (kind, subject_id), so that the features they describe keep their
    models as they are; the rows go with their subject's id (a result's is its period's)."""

    __tablename__ = "easy_summaries"
    __table_args__ = (UniqueConstraint("kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
