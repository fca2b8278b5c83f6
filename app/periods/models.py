from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, Text, UniqueConstraint, false, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.plans.models import Plan

CHANNELS = ("web", "email", "fax", "post", "in_person")
SUBMITTER_FIELDS = ("name", "address", "attribute", "email", "phone")
FIELD_RULES = ("required", "optional", "hidden")


class CommentPeriod(db.Model):
    """A draft (案) open for public comment between two instants.

    ``status`` holds what staff decided (draft, scheduled, withdrawn); where the period stands now
    (open, closed, results published) follows from the clock and from ``results_published_at``.
    """

    __tablename__ = "comment_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    short_period_reason: Mapped[str] = mapped_column(Text, default="")  # shown publicly
    viewing_places: Mapped[list[str]] = mapped_column(JSON, default=list)  # 閲覧場所
    eligibility: Mapped[list[str]] = mapped_column(JSON, default=list)  # attribute codes who may submit
    # Channel -> how to use it: address, FAX number, desk; "web" -> "" when the web form is open.
    channels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Submitter field -> required / optional / hidden.
    field_rules: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    contact_department: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(Text, default="")
    body_max_length: Mapped[int] = mapped_column(default=4000)
    max_attachments: Mapped[int] = mapped_column(default=3)
    max_attachment_bytes: Mapped[int] = mapped_column(default=10 * 1024 * 1024)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    receipt_prefix: Mapped[str] = mapped_column(String(8), default="")
    # Last receipt number issued; bumped under a row lock in the submitting transaction.
    receipt_counter: Mapped[int] = mapped_column(default=0)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship()
    sections: Mapped[list["Section"]] = relationship(
        back_populates="period", order_by="Section.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list["PeriodDocument"]] = relationship(
        back_populates="period", order_by="PeriodDocument.position", cascade="all, delete-orphan"
    )

    def state(self, now: datetime | None = None) -> str:
        """draft, withdrawn, scheduled, open, closed or published (results)."""
        if self.status in ("draft", "withdrawn"):
            return self.status
        if self.results_published_at is not None:
            return "published"
        now = now or utcnow()
        if now < self.opens_at:
            return "scheduled"
        if now <= self.closes_at:
            return "open"
        return "closed"

    def section_ids(self) -> set[int]:
        """The ids of this period's sections: from its sections when loaded, else in one narrow query
        (a send checks the sections its entries name without loading every section's text)."""
        if "sections" in self.__dict__:
            return {section.id for section in self.sections}
        return set(db.session.scalars(select(Section.id).where(Section.period_id == self.id)))

    def is_public(self) -> bool:
        return self.status == "scheduled" and self.plan.is_published

    def can_edit(self, user) -> bool:
        return self.plan.can_edit(user)

    def can_read_submissions(self, user) -> bool:
        """Staff who can edit the period, and its moderators, who work through what came in."""
        return self.can_edit(user) or self.can_moderate(user)

    def can_moderate(self, user) -> bool:
        """Admins, and moderators of the plan's department: submissions carry names, addresses and
        phone numbers, which stay with the department that asked for them. A moderator with no
        department serves every department, as staff with none do.

        ``moderated_by`` says the same in SQL; keep the two together."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.has_role("admin"):
            return True
        return user.has_role("moderator") and user.department in ("", self.plan.department)

    @classmethod
    def moderated_by(cls, user) -> ColumnElement[bool]:
        """``can_moderate`` as a condition on periods, for the lists and counts a moderator sees."""
        if user is None or not getattr(user, "is_authenticated", False):
            return false()
        if user.has_role("admin") or (user.has_role("moderator") and user.department == ""):
            return true()
        if not user.has_role("moderator"):
            return false()
        return cls.plan_id.in_(select(Plan.id).where(Plan.department == user.department))


class Section(db.Model):
    """A part of the draft (第1章 1 計画の背景) that an opinion can point at."""

    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("period_id", "position", name="uq_sections_period_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(String(50), default="")  # 第1章 1
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")

    period: Mapped[CommentPeriod] = relationship(back_populates="sections")

    @property
    def display(self) -> str:
        return f"{self.label} {self.title}".strip()


class PeriodDocument(db.Model):
    """A PDF of the draft, stored outside the web root under a random name."""

    __tablename__ = "period_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    period: Mapped[CommentPeriod] = relationship(back_populates="documents")


def default_field_rules() -> dict[str, Any]:
    return {"name": "required", "address": "optional", "attribute": "required", "email": "optional",
            "phone": "hidden"}
