import hashlib
from datetime import datetime

from sqlalchemy import Column, FetchedValue, ForeignKey, Index, String, Table, Text, UniqueConstraint, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.periods.models import Section
from app.submissions.models import Submission, SubmissionEntry

# What the trigger of migration 027 writes for an empty text.
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

WITHHOLD_REASONS = ("third_party", "defamation", "advertising", "unrelated", "duplicate", "other")
REDACTION_REASONS = ("private_person", "contact", "other")
OPINION_STATES = ("pending", "accepted", "withheld")
SUBMISSION_STATES = ("new", "in_progress", "done")


opinion_tags = Table(
    "opinion_tags",
    db.metadata,
    Column("opinion_id", ForeignKey("opinions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("period_id", "name", name="uq_tags_period_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))


class OpinionGroup(db.Model):
    """Opinions that say the same thing; one response answers them all (同様の意見 N件)."""

    __tablename__ = "opinion_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opinions: Mapped[list["Opinion"]] = relationship(back_populates="group", order_by="Opinion.id")


class Opinion(db.Model):
    """One point of a submission (意見), cut out and summarised by a moderator.

    ``state``: pending (not yet decided), accepted (to be answered and published) or withheld
    (kept and counted, never published, with a reason code).
    """

    __tablename__ = "opinions"
    __table_args__ = (
        # A period's opinions in one state, by id, with what the publication check compares and the work
        # list counts: the check's counts, its join with the privacy screenings (a merge join by id) and
        # the work list's lone opinions read the index, not the rows with their texts (migration 028).
        Index("ix_opinions_period_state", "period_id", "state", "id",
              postgresql_include=["group_id", "section_id", "summary_sha256", "excerpt_sha256"]),
        # The period's opinion list, in its order: a page is read from the index, not sorted out of
        # all the period's opinions; its filters' columns ride along so that counting them reads no rows.
        Index("ix_opinions_period_list", "period_id", "section_id", "submission_id", "position",
              postgresql_include=["state", "group_id"]),
        # PostgreSQL only (migration 026): pg_trgm's GIN indexes, which answer the answer editor's
        # "start from another answer" search (``ILIKE '%…%'`` on the opinion's words) without a scan.
        Index("ix_opinions_summary_trgm", literal_column("summary"), postgresql_using="gin",
              postgresql_ops={"summary": "gin_trgm_ops"}),
        Index("ix_opinions_excerpt_trgm", literal_column("excerpt"), postgresql_using="gin",
              postgresql_ops={"excerpt": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("submission_entries.id"))
    position: Mapped[int] = mapped_column(default=0)
    excerpt: Mapped[str] = mapped_column(Text)  # the words it came from, verbatim
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")  # 意見の概要, what is published
    # The SHA-256 (hex) of the summary and the excerpt as they stand, written by PostgreSQL's trigger on
    # every insert and update (migration 027) for the publication check; never by the app. NULL on SQLite.
    summary_sha256: Mapped[str | None] = mapped_column(String(64), server_default=FetchedValue(),
                                                       server_onupdate=FetchedValue(), deferred=True)
    excerpt_sha256: Mapped[str | None] = mapped_column(String(64), server_default=FetchedValue(),
                                                       server_onupdate=FetchedValue(), deferred=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    withhold_reason: Mapped[str] = mapped_column(String(32), default="")
    withhold_note: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_groups.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()
    entry: Mapped[SubmissionEntry | None] = relationship()
    section: Mapped[Section | None] = relationship()
    group: Mapped[OpinionGroup | None] = relationship(back_populates="opinions")
    tags: Mapped[list[Tag]] = relationship(secondary=opinion_tags, order_by="Tag.name")
    redactions: Mapped[list["Redaction"]] = relationship(
        back_populates="opinion", order_by="Redaction.start", cascade="all, delete-orphan"
    )


class Redaction(db.Model):
    """A span of an opinion's public text hidden from the public (a private person's name, a phone
    number). The original stays for staff; who hid it and why is recorded."""

    __tablename__ = "redactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(16), default="summary")  # summary or excerpt
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)  # a code from REDACTION_REASONS
    note: Mapped[str] = mapped_column(Text, default="", server_default="")  # required for "other"
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opinion: Mapped[Opinion] = relationship(back_populates="redactions")


# The queue's order (oldest received first, ``queue_query``): with it the first page of a queue or of
# a search that matches thousands walks this index and stops at 50 instead of sorting every match.
# Declared here, by the feature whose order it is, on the submissions' table (migration 024).
Index("ix_submissions_received_at_id", Submission.received_at, Submission.id)


class SearchDocument(db.Model):
    """A submission's text as search sees it: each entry through ``normalize_for_match``, one per line.

    PostgreSQL's full-text search does not split Japanese into words, so search works on character
    bigrams (``SearchGram``) to narrow the candidates through an index, then confirms the phrase
    with a substring match on this text. Both steps behave the same on SQLite and PostgreSQL.
    """

    __tablename__ = "submission_search_docs"
    __table_args__ = (
        # PostgreSQL only (migration 024): pg_trgm's GIN index, which answers ``text LIKE '%…%'`` for a
        # phrase of three characters or more. Declared on the column as an expression, so that the
        # schema check on SQLite, which has no such index, skips it instead of asking to create it.
        Index("ix_submission_search_docs_text_trgm", literal_column("text"), postgresql_using="gin",
              postgresql_ops={"text": "gin_trgm_ops"}),
    )

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchGram(db.Model):
    """One distinct character bigram of a submission's search text.

    No foreign key: the rows are written with their ``SearchDocument``, which has one, and a trigger on
    the document's delete removes them (migration 029). Checked on each of a submission's forty to a
    hundred and more rows, the key was half of what writing them cost PostgreSQL."""

    __tablename__ = "submission_search_grams"

    gram: Mapped[str] = mapped_column(String(4), primary_key=True)
    submission_id: Mapped[int] = mapped_column(primary_key=True, index=True)


class ModerationNotice(db.Model):
    """A message that must go out at most once: the daily digest per moderator and day, the outcome
    notice per submission. The row is written before the email is queued; a rerun finds it."""

    __tablename__ = "moderation_notices"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_moderation_notices_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
