"""Following a plan by email: the subscription, the events worth a mail, and the daily digests."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.plans.models import Plan

EVENT_KINDS = ("period_opened", "period_closing", "workshop_announced", "result_published")


class Follower(db.Model):
    """One address following one plan. Personal data: the address and the plan, nothing else (the
    language is the one the mails are written in). Unconfirmed rows go after FOLLOW_CONFIRM_DAYS;
    a confirmed one is deleted when its owner unsubscribes."""

    __tablename__ = "followers"
    __table_args__ = (UniqueConstraint("plan_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="ja")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    plan: Mapped[Plan] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class FollowEvent(db.Model):
    """Something followers of a plan hear about: recorded once per kind and subject (a period or a
    workshop), whichever signal or scan sees it first."""

    __tablename__ = "follow_events"
    __table_args__ = (UniqueConstraint("kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Digest(db.Model):
    """The one mail a person gets on one day (Japan time). ``recipient_key`` is a keyed hash of the
    address, so the row says nothing about who it went to once the followers are gone; the unique
    key is what keeps it to one a day."""

    __tablename__ = "follow_digests"
    __table_args__ = (UniqueConstraint("recipient_key", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_key: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list["DigestItem"]] = relationship(back_populates="digest", cascade="all, delete-orphan",
                                                     order_by="DigestItem.id")


class DigestItem(db.Model):
    """What was (to be) sent to a follower about an event: at most once, whatever runs twice."""

    __tablename__ = "follow_digest_items"
    __table_args__ = (UniqueConstraint("follower_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("follow_digests.id", ondelete="CASCADE"), index=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("follow_events.id", ondelete="CASCADE"), index=True)

    digest: Mapped[Digest] = relationship(back_populates="items")
    follower: Mapped[Follower] = relationship()
    event: Mapped[FollowEvent] = relationship()
