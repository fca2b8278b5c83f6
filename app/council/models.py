"""The council (審議会) that deliberates a plan: its meetings, the public's seats at them (傍聴), its members."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.plans.models import Plan


class CouncilMeeting(db.Model):
    """One meeting (第n回) of the plan's council. Public once published; its seats are a sign-up."""

    __tablename__ = "council_meetings"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_council_meetings_plan_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    council_name: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column()  # 第n回
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    minutes_text: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    minutes_filename: Mapped[str] = mapped_column(String(255), default="")
    minutes_stored_name: Mapped[str] = mapped_column(String(64), default="")
    minutes_size: Mapped[int] = mapped_column(default=0)
    seat_capacity: Mapped[int] = mapped_column(default=0)  # 0: no public seats offered
    signup_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(lazy="joined")

    @property
    def is_public(self) -> bool:
        return self.status in ("published", "cancelled") and self.plan.is_published

    @property
    def has_minutes(self) -> bool:
        return bool(self.minutes_text.strip() or self.minutes_stored_name)

    def can_view(self, user) -> bool:
        return self.is_public or self.can_edit(user)

    def can_edit(self, user) -> bool:
        return self.plan.can_edit(user)

    def seat_state(self, now: datetime | None = None) -> str:
        """none (no seats offered), draft, cancelled, closed (sign-up over or the meeting begun), open."""
        now = now or utcnow()
        if self.seat_capacity <= 0:
            return "none"
        if self.status != "published":
            return "cancelled" if self.status == "cancelled" else "draft"
        closes = self.signup_closes_at or self.starts_at
        return "open" if now < min(closes, self.starts_at) else "closed"


class SeatRequest(db.Model):
    """A member of the public who asked for a seat (傍聴). Name and contact are for staff only."""

    __tablename__ = "council_seat_requests"
    __table_args__ = (UniqueConstraint("meeting_id", "receipt_no", name="uq_council_seat_requests_receipt"),
                      Index("ix_council_seat_requests_meeting_form_key", "meeting_id", "form_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meetings.id", ondelete="CASCADE"))
    receipt_no: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(255), default="")
    form_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[CouncilMeeting] = relationship()


class CouncilMember(db.Model):
    """A member (審議会委員) as the plan's page lists them: name, 区分, role and term. No contact data
    is kept here at all: the city reaches its members by other means."""

    __tablename__ = "council_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    affiliation: Mapped[str] = mapped_column(String(200), default="")  # the body that nominated them, public
    role: Mapped[str] = mapped_column(String(16), default="")  # chair, vice_chair or ""
    term_from: Mapped[date] = mapped_column()
    term_to: Mapped[date] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship()
