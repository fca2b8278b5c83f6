from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.plantext.models import PlanVersion


class PeriodTextVersion(db.Model):
    """The version of the plan's text a comment period put to comment: its result's 修正内容 is the
    diff from this version to the next."""

    __tablename__ = "period_text_versions"

    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)

    period: Mapped[CommentPeriod] = relationship()
    version: Mapped[PlanVersion] = relationship()


class ChangeOpinion(db.Model):
    """An opinion that caused the change of one section (by its anchor) after a comment period."""

    __tablename__ = "text_change_opinions"
    __table_args__ = (UniqueConstraint("period_id", "anchor", "opinion_id", name="uq_text_change_opinions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"))
    anchor: Mapped[str] = mapped_column(String(40))
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), index=True)

    opinion: Mapped[Opinion] = relationship()
