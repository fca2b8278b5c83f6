from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.periods.models import CommentPeriod, Section


class Submission(db.Model):
    """What one person sent once, by any channel. Name, address, attribute, email and phone are
    personal data: they appear on staff pages only."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("period_id", "receipt_no", name="uq_submissions_period_receipt"),
        UniqueConstraint("period_id", "idempotency_key", name="uq_submissions_period_idempotency_key"),
        Index("ix_submissions_period_state", "period_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id"))
    receipt_no: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # web, email, fax, post, in_person
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the postmark or desk date for paper
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # staff, for paper
    # Personal data.
    name: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    attribute: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # sha256 of the random secret in the citizen's lookup link; the secret itself is never stored.
    lookup_token_hash: Mapped[str] = mapped_column(String(64), index=True)
    # A double click or a retried POST carries the same key and finds this row instead of a new one.
    # Unique within the period only: the form it was issued for (see services).
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    # Moderation: new -> in_progress -> done.
    state: Mapped[str] = mapped_column(String(16), default="new")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    period: Mapped[CommentPeriod] = relationship()
    entries: Mapped[list["SubmissionEntry"]] = relationship(
        back_populates="submission", order_by="SubmissionEntry.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )

    @property
    def full_text(self) -> str:
        return "\n\n".join(entry.body for entry in self.entries)


class SubmissionEntry(db.Model):
    """One opinion as the citizen wrote it in the form, optionally pointing at a section."""

    __tablename__ = "submission_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    body: Mapped[str] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="entries")
    section: Mapped[Section | None] = relationship()


class Attachment(db.Model):
    """A file sent with a submission (or the scan of a paper one), checked by content."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="attachments")


class ImportedFile(db.Model):
    """A file imported into a period, known by the sha256 of its bytes: importing the same file again
    would give every opinion in it a second receipt number, so it is refused."""

    __tablename__ = "imported_files"
    __table_args__ = (UniqueConstraint("period_id", "sha256", name="uq_imported_files_period_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column()
    first_receipt_no: Mapped[str] = mapped_column(String(32))
    last_receipt_no: Mapped[str] = mapped_column(String(32))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
