from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.plans.models import Plan
from app.plantext.labels import STAGE_LABELS


class PlanVersion(db.Model):
    """One stage of a plan's text (素案, 案, 最終案, 計画). Frozen once published: see services."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "stage", name="uq_plan_versions_plan_stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship()
    sections: Mapped[list["TextSection"]] = relationship(
        back_populates="version", order_by="TextSection.position", cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.stage])

    def can_view(self, user) -> bool:
        return (self.is_published and self.plan.is_published) or self.plan.can_edit(user)


class TextSection(db.Model):
    """A heading of the plan's text (第１章, １, （１）) and the blocks under it up to the next one."""

    __tablename__ = "text_sections"
    __table_args__ = (UniqueConstraint("version_id", "anchor", name="uq_text_sections_version_anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    level: Mapped[int] = mapped_column()  # 0 opening text, 1 chapter, 2 section, 3 sub-section
    number: Mapped[str] = mapped_column(String(20), default="")  # as written: 第１章, １, （１）
    title: Mapped[str] = mapped_column(String(200), default="")
    anchor: Mapped[str] = mapped_column(String(40))  # ch1-s2-3, from the numbering

    version: Mapped[PlanVersion] = relationship(back_populates="sections")
    blocks: Mapped[list["TextBlock"]] = relationship(
        back_populates="section", order_by="TextBlock.position", cascade="all, delete-orphan")

    @property
    def display(self) -> str:
        return f"{self.number} {self.title}".strip()


class TextBlock(db.Model):
    """A paragraph or ※ note (Markdown, sanitised when shown), or a table kept as rows of cells."""

    __tablename__ = "text_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("text_sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))  # paragraph, note, table
    text: Mapped[str] = mapped_column(Text, default="")  # a table's caption
    rows: Mapped[list[Any]] = mapped_column(JSON, default=list)  # a table's rows, the first its header

    section: Mapped[TextSection] = relationship(back_populates="blocks")
