from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, FetchedValue, ForeignKey, Index, String, Text, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup
from app.periods.models import Section


class Response(db.Model):
    """The city's view (市の考え方) on one accepted opinion or one group, with its 反映区分.

    draft -> submitted -> approved (or back to draft with a comment). The approver is never the author.
    """

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("(opinion_id IS NULL) <> (group_id IS NULL)", name="one_target"),
        # PostgreSQL only (migration 026): pg_trgm's GIN index for the editor's search by words
        # (``ILIKE '%…%'``); declared as an expression so that the schema check on SQLite skips it.
        # A period's answers in one state, by id, with their text's hash: the publication check's join
        # with the privacy screenings reads the index (migration 028).
        Index("ix_responses_period_state", "period_id", "state", "id", postgresql_include=["body_sha256"]),
        Index("ix_responses_body_trgm", literal_column("body"), postgresql_using="gin",
              postgresql_ops={"body": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id"))  # indexed by ix_responses_period_state
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_groups.id"), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    # The SHA-256 (hex) of the body, written by PostgreSQL's trigger (migration 027); NULL on SQLite.
    body_sha256: Mapped[str | None] = mapped_column(String(64), server_default=FetchedValue(),
                                                    server_onupdate=FetchedValue(), deferred=True)
    category: Mapped[str] = mapped_column(String(8), default="")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    return_comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    opinion: Mapped[Opinion | None] = relationship()
    group: Mapped[OpinionGroup | None] = relationship()
    changes: Mapped[list["DraftChange"]] = relationship(
        back_populates="response", order_by="DraftChange.id", cascade="all, delete-orphan"
    )


class DraftChange(db.Model):
    """A change made to the draft because of a response (修正内容)."""

    __tablename__ = "draft_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")

    response: Mapped[Response] = relationship(back_populates="changes")
    section: Mapped[Section | None] = relationship()


class Result(db.Model):
    """The published result (結果公表) of one comment period."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    draft_published_on: Mapped[date | None] = mapped_column()
    full_text_note: Mapped[str] = mapped_column(Text, default="")  # where the full texts can be read
    introduction: Mapped[str] = mapped_column(Text, default="")  # Markdown
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # snapshot at publication
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    errata: Mapped[list["Erratum"]] = relationship(
        back_populates="result", order_by="Erratum.created_at", cascade="all, delete-orphan"
    )


class Erratum(db.Model):
    """A logged correction (正誤) to a published result, shown on the result page."""

    __tablename__ = "errata"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    result: Mapped[Result] = relationship(back_populates="errata")
