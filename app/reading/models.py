from datetime import datetime

from sqlalchemy import String
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
