"""Workshops (ワークショップ) of a plan, the people who sign up, and what the groups produce."""

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.formatting import format_time
from app.core.timeutil import to_jst, utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.plans.models import Plan

DEFAULT_NOTE_KINDS = ("現状・課題", "アイデア", "提案", "その他")
CONTACT_MODES = ("email", "phone", "email_or_phone")
ATTRIBUTES = ("resident", "worker", "student", "active", "other")
# What the event is, as the plan's timeline names it: 説明会, ワークショップ or その他.
KINDS = ("briefing", "workshop", "other")
ACCOMMODATIONS = ("wheelchair", "sign_language", "writing", "childcare", "other")

workshop_facilitators = Table(
    "workshop_facilitators",
    db.metadata,
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Workshop(db.Model):
    """One workshop of a plan. Its sign-up state follows from its status and the clock."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="workshop", server_default="workshop")  # see KINDS
    theme: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    venue_access: Mapped[str] = mapped_column(Text, default="")
    venue_accessibility: Mapped[str] = mapped_column(Text, default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(default=20)
    max_party_size: Mapped[int] = mapped_column(default=1)
    eligibility: Mapped[str] = mapped_column(String(500), default="")
    contact_mode: Mapped[str] = mapped_column(String(16), default="email_or_phone")
    signup_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signup_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    question_1: Mapped[str] = mapped_column(String(300), default="")
    question_2: Mapped[str] = mapped_column(String(300), default="")
    note_kinds: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_NOTE_KINDS))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")  # the facilitator's outcome, Markdown
    report_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After the retention period the requests are deleted; only these counts stay.
    accommodation_counts: Mapped[dict[str, int] | None] = mapped_column(JSON)
    accommodation_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(lazy="joined")
    facilitators: Mapped[list[User]] = relationship(secondary=workshop_facilitators, lazy="selectin")
    groups: Mapped[list["WorkshopGroup"]] = relationship(
        back_populates="workshop", order_by="WorkshopGroup.position, WorkshopGroup.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_public(self) -> bool:
        return self.status in ("published", "cancelled") and self.plan.is_published

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def report_is_published(self) -> bool:
        return self.report_published_at is not None and self.is_public

    def has_ended(self, now: datetime | None = None) -> bool:
        return self.ends_at <= (now or utcnow())

    def has_started(self, now: datetime | None = None) -> bool:
        return self.starts_at <= (now or utcnow())

    def signup_state(self, now: datetime | None = None) -> str:
        """draft, cancelled, past, not_yet, open or closed: what a sign-up now would meet."""
        now = now or utcnow()
        if self.status == "draft":
            return "draft"
        if self.is_cancelled:
            return "cancelled"
        if self.has_started(now):
            return "past"
        if now < self.signup_opens_at:
            return "not_yet"
        if now > self.signup_closes_at:
            return "closed"
        return "open"

    @property
    def start_weekday(self) -> int:
        return to_jst(self.starts_at).weekday()

    @property
    def start_time_label(self) -> str:
        return format_time(self.starts_at)

    @property
    def end_time_label(self) -> str:
        return format_time(self.ends_at)

    def can_view(self, user) -> bool:
        return self.is_public or self.can_edit(user)

    def can_edit(self, user) -> bool:
        """Staff of the plan's department, or an admin: the plan's own rule."""
        return self.plan.can_edit(user)

    def can_facilitate(self, user) -> bool:
        """Facilitators assigned to this workshop, and the staff who run it."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if self.can_edit(user):
            return True
        return user.has_role("facilitator") and any(f.id == user.id for f in self.facilitators)


class Registration(db.Model):
    """One sign-up (申込): a person and their party, confirmed, waitlisted or cancelled.

    ``attended_at`` records the check-in; walk-ins are registrations made on the spot.
    """

    __tablename__ = "workshop_registrations"
    __table_args__ = (
        UniqueConstraint("workshop_id", "checkin_code", name="uq_workshop_registrations_checkin_code"),
        UniqueConstraint("workshop_id", "form_key", name="uq_workshop_registrations_form_key"),
        Index("ix_workshop_registrations_workshop_status", "workshop_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # confirmed, waitlisted, cancelled
    name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    attribute: Mapped[str] = mapped_column(String(16), default="other")
    party_size: Mapped[int] = mapped_column(default=1)
    answer_1: Mapped[str] = mapped_column(Text, default="")
    answer_2: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(5), default="ja")
    walk_in: Mapped[bool] = mapped_column(default=False)
    # The private link is HMAC(SECRET_KEY, token_salt); only its sha256 is stored, for look-up.
    token_salt: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    checkin_code: Mapped[str] = mapped_column(String(8))
    form_key: Mapped[str | None] = mapped_column(String(64))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_groups.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workshop: Mapped[Workshop] = relationship()
    group: Mapped["WorkshopGroup | None"] = relationship(back_populates="members")
    accommodation: Mapped["Accommodation | None"] = relationship(
        back_populates="registration", cascade="all, delete-orphan", uselist=False, lazy="selectin"
    )


class Accommodation(db.Model):
    """A reasonable-accommodation request (合理的配慮). Staff only; deleted after the retention period."""

    __tablename__ = "workshop_accommodations"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_registrations.id", ondelete="CASCADE"), primary_key=True
    )
    wheelchair: Mapped[bool] = mapped_column(default=False)
    sign_language: Mapped[bool] = mapped_column(default=False)
    writing: Mapped[bool] = mapped_column(default=False)  # 要約筆記
    childcare: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship(back_populates="accommodation")

    def kinds(self) -> list[str]:
        chosen = [kind for kind in ACCOMMODATIONS[:-1] if getattr(self, kind)]
        return [*chosen, "other"] if self.note else chosen


class WorkshopGroup(db.Model):
    """A table (グループ) of participants on the day."""

    __tablename__ = "workshop_groups"
    __table_args__ = (UniqueConstraint("workshop_id", "name", name="uq_workshop_groups_workshop_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="groups")
    members: Mapped[list[Registration]] = relationship(back_populates="group")
    notes: Mapped[list["WorkshopNote"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="WorkshopNote.id"
    )


class WorkshopNote(db.Model):
    """One sticky note (付箋) of a group, with its kind and dot votes.

    ``client_key`` comes from the form that sent it, so a resend after a dropped connection
    finds the note already saved instead of adding it twice.
    """

    __tablename__ = "workshop_notes"
    __table_args__ = (UniqueConstraint("group_id", "client_key", name="uq_workshop_notes_group_client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("workshop_groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(default=0)
    client_key: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkshopGroup] = relationship(back_populates="notes")
