from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.periods.models import CommentPeriod

FINDING_STATES = ("unreviewed", "redacted", "not_personal")


class TextScreening(db.Model):
    """One text that is to be published, as it was last screened: an opinion's public text (its
    summary, or its excerpt while it has none) or a staff answer.

    ``text_sha256`` is the hash of the text as screened. A text whose hash no longer matches (or
    that was never screened) has findings nobody has seen yet, and the publication check says so.
    """

    __tablename__ = "privacy_screenings"
    __table_args__ = (CheckConstraint("(opinion_id IS NULL) <> (response_id IS NULL)", name="one_text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id"), index=True)
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), unique=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    field: Mapped[str] = mapped_column(String(16))  # summary, excerpt or body
    text_sha256: Mapped[str] = mapped_column(String(64))
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    findings: Mapped[list["PersonalFinding"]] = relationship(
        back_populates="screening", order_by="PersonalFinding.start", cascade="all, delete-orphan"
    )


class PersonalFinding(db.Model):
    """A phone number, email, address or name found inside a text to be published.

    ``text`` is the personal data itself: staff pages only, and deleted with the rest of the
    period's personal data (app.core.retention). ``state``: unreviewed, redacted (hidden from the
    public text) or not_personal (a reviewer said so, with a note).
    """

    __tablename__ = "personal_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("privacy_screenings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="unreviewed")
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    screening: Mapped[TextScreening] = relationship(back_populates="findings")

    @property
    def in_answer(self) -> bool:
        return self.screening.response_id is not None

    def can_review(self, user) -> bool:
        """Findings in opinions are for the period's moderators to review (its department's); findings
        in the city's answers for the staff who write and approve them. Administrators may do both."""
        period = db.session.get(CommentPeriod, self.screening.period_id)
        return period.can_edit(user) if self.in_answer else period.can_moderate(user)
