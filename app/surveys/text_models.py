"""Free-text answers screened for personal data before anything of them is published, and the
keyword digest of each free-text question built from the texts that may be shown."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.surveys.models import AnswerItem

# clear: nothing found; unreviewed: something found, nobody has looked; withheld: staff keep it out of
# every public figure (with a reason); released: staff judged it fit to count (with a note).
TEXT_STATES = ("clear", "unreviewed", "withheld", "released")
SHOWN_STATES = ("clear", "released")


class TextScreening(db.Model):
    """One free-text value (a free-text answer or an その他（　） text) as it was screened.

    ``findings`` are [{kind, start, end}] into the item's text: the personal data itself stays in the
    answer and is shown to staff only, never copied here or into the audit log.
    """

    __tablename__ = "survey_text_screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("survey_answer_items.id", ondelete="CASCADE"), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    findings: Mapped[list[dict]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AnswerItem] = relationship()


class TextDigest(db.Model):
    """The keywords of one question's shown texts: [[word, answers using it], …], most used first.

    Stored because tokenising every text takes longer than a page may; rebuilt by the screening job
    whenever a text was screened or reviewed after ``built_at``."""

    __tablename__ = "survey_text_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"), unique=True)
    words: Mapped[list[list]] = mapped_column(JSON, default=list)
    texts: Mapped[int] = mapped_column(default=0)  # texts counted (shown ones of valid answers)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
