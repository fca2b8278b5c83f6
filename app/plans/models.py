from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import fiscal_year_label, utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class Plan(db.Model):
    """One policy being made (案件); its comment periods and workshops hang from it."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    department: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(500), default="")
    start_year: Mapped[int | None] = mapped_column()  # fiscal years, e.g. 2026 for 令和8年度
    end_year: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def years_label(self) -> str:
        if not self.start_year:
            return ""
        end = self.end_year or self.start_year
        return f"{fiscal_year_label(self.start_year)}–{fiscal_year_label(end)}"

    def can_view(self, user) -> bool:
        return self.is_published or self.can_edit(user)

    def can_edit(self, user) -> bool:
        """Admins, and staff of the plan's department (staff with no department serve all)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.has_role("admin"):
            return True
        return user.has_role("staff") and user.department in ("", self.department)
