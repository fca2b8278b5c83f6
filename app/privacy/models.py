from datetime import datetime

from sqlalchemy import CheckConstraint, FetchedValue, Float, ForeignKey, Index, String, Text, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.moderation.models import EMPTY_SHA256
from app.periods.models import CommentPeriod

FINDING_STATES = ("unreviewed", "redacted", "not_personal")

# The screenings of an accepted opinion, and of an approved answer, that do not match their text as it
# stands (the copy of the text on the screening's row, migration 031): the predicates of the partial
# indexes the publication check reads, in the same words as its query, so that PostgreSQL can tell the
# index answers it. An excerpt screened while the summary was empty matches while the summary stays empty.
OPINION_DUE = ("text_state = 'accepted' AND NOT coalesce((field = 'summary' AND text_sha256 = text_summary_sha256)"
               " OR (field = 'excerpt' AND text_sha256 = text_excerpt_sha256"
               f" AND text_summary_sha256 = '{EMPTY_SHA256}'), false)")
RESPONSE_DUE = "text_state = 'approved' AND NOT coalesce(field = 'body' AND text_sha256 = text_body_sha256, false)"


class TextScreening(db.Model):
    """One text that is to be published, as it was last screened: an opinion's public text (its
    summary, or its excerpt while it has none) or a staff answer.

    ``text_sha256`` is the hash of the text as screened. A text whose hash no longer matches (or
    that was never screened) has findings nobody has seen yet, and the publication check says so.

    On PostgreSQL the row also carries its text's state and the hashes of its text as they stand
    (``text_state``…), written by triggers whenever either row changes (migration 031), never by the
    app; NULL on SQLite. The check reads the screenings that do not match from partial indexes.
    """

    __tablename__ = "privacy_screenings"
    __table_args__ = (
        CheckConstraint("(opinion_id IS NULL) <> (response_id IS NULL)", name="one_text"),
        Index("ix_privacy_screenings_period_state", "period_id", "text_state"),
        # PostgreSQL only (migration 031): the screenings of published texts that do not match them;
        # declared as expressions so that the schema check on SQLite skips them.
        Index("ix_privacy_screenings_opinions_due", literal_column("period_id"), literal_column("opinion_id"),
              postgresql_where=text(OPINION_DUE)),
        Index("ix_privacy_screenings_responses_due", literal_column("period_id"), literal_column("response_id"),
              postgresql_where=text(RESPONSE_DUE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id"))
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), unique=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    field: Mapped[str] = mapped_column(String(16))  # summary, excerpt or body
    text_sha256: Mapped[str] = mapped_column(String(64))
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text_state: Mapped[str | None] = mapped_column(String(16), server_default=FetchedValue(),
                                                   server_onupdate=FetchedValue(), deferred=True)
    text_summary_sha256: Mapped[str | None] = mapped_column(String(64), server_default=FetchedValue(),
                                                            server_onupdate=FetchedValue(), deferred=True)
    text_excerpt_sha256: Mapped[str | None] = mapped_column(String(64), server_default=FetchedValue(),
                                                            server_onupdate=FetchedValue(), deferred=True)
    text_body_sha256: Mapped[str | None] = mapped_column(String(64), server_default=FetchedValue(),
                                                         server_onupdate=FetchedValue(), deferred=True)

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
