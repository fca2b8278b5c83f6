"""Surveys (意識調査): target groups, questions, anonymous answer codes and the answers themselves.

An answer holds its group and never its code: a code row keeps only a keyed hash and whether it was
used, so once used nothing in the database ties it to the answer it gave.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.plans.models import Plan

KINDS = ("single", "multiple", "scale", "matrix", "number", "text")
SAMPLINGS = ("random", "census")
CHANNELS = ("web", "paper")
SCALE_POINTS = 5


class Survey(db.Model):
    """A questionnaire tied to a plan, open between two instants like a comment period.

    ``status`` is what staff decided (draft, published); open or closed follows from the clock.
    """

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(200), default="")  # 調査方法, as 表1 prints it
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    uses_codes: Mapped[bool] = mapped_column(Boolean, default=True)  # False: open to all, not a sample
    min_answered: Mapped[int] = mapped_column(default=1)  # 有効回答: at least this many questions answered
    small_cell: Mapped[int] = mapped_column(default=5)  # counts below this show as "—" in public
    second_keying: Mapped[bool] = mapped_column(Boolean, default=False)  # paper forms keyed twice, compared
    report_notes: Mapped[str] = mapped_column(Text, default="")
    report_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship()
    groups: Mapped[list["SurveyGroup"]] = relationship(
        back_populates="survey", order_by="SurveyGroup.position", cascade="all, delete-orphan")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="survey", order_by="Question.position", cascade="all, delete-orphan")

    def state(self, now: datetime | None = None) -> str:
        """draft, scheduled, open or closed."""
        if self.status == "draft":
            return "draft"
        now = now or utcnow()
        if now < self.opens_at:
            return "scheduled"
        return "open" if now <= self.closes_at else "closed"

    def is_public(self) -> bool:
        return self.status == "published" and self.plan.is_published

    def can_edit(self, user) -> bool:
        return self.plan.can_edit(user)


class SurveyGroup(db.Model):
    """A target group (調査対象): who was asked, how they were chosen and how many forms went out."""

    __tablename__ = "survey_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(100))  # 市民
    description: Mapped[str] = mapped_column(Text, default="")  # 下関市に居住している満18歳以上の市民
    sampling: Mapped[str] = mapped_column(String(16), default="random")
    distributed: Mapped[int] = mapped_column(default=0)  # 配布数

    survey: Mapped[Survey] = relationship(back_populates="groups")


class Question(db.Model):
    """One question. ``choices`` for single and multiple; ``rows`` for a matrix of 5-point scales.

    Skip logic: shown only when question ``show_if_id`` (a single choice) was answered with choice
    number ``show_if_choice`` (1-based).
    """

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    rows: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_choices: Mapped[int | None] = mapped_column()
    has_other: Mapped[bool] = mapped_column(Boolean, default=False)  # その他（　）, the last choice
    show_if_id: Mapped[int | None] = mapped_column(ForeignKey("survey_questions.id", ondelete="SET NULL"))
    show_if_choice: Mapped[int | None] = mapped_column()
    in_report: Mapped[bool] = mapped_column(Boolean, default=True)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    @property
    def number(self) -> int:
        return self.position + 1

    def options(self) -> list[str]:
        """The choices as offered, その他 last when asked for."""
        from app.surveys.labels import OTHER

        if self.kind == "scale" or self.kind == "matrix":
            from app.surveys.labels import scale_labels

            return scale_labels()
        return [*self.choices, str(OTHER)] if self.has_other else list(self.choices)

    @property
    def other_choice(self) -> int | None:
        return len(self.choices) + 1 if self.has_other else None


class AnswerCode(db.Model):
    """One mailed form's code: a keyed hash (never the code) and whether it has answered."""

    __tablename__ = "survey_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("survey_groups.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class Keying(db.Model):
    """One keying of a returned paper form, waiting for its second keying (or for staff to settle how
    two keyings differ) before it becomes an answer. ``form_key`` is the code's keyed hash (``h:``)
    or the form number staff wrote on a form without a code (``n:``); both keyings are deleted when
    the answer is stored, so the hash is never kept beside an answer."""

    __tablename__ = "survey_keyings"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    form_key: Mapped[str] = mapped_column(String(80), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("survey_groups.id", ondelete="CASCADE"))
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # p<question id>[-other] -> as keyed
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    keyed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[SurveyGroup] = relationship()
    keyed_by = relationship("User")


class SurveyAnswer(db.Model):
    """One returned form, by web or keyed from paper. Holds its group, never a code."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("survey_groups.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    answered: Mapped[int] = mapped_column(default=0)  # questions answered, for the validity rule
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list["AnswerItem"]] = relationship(cascade="all, delete-orphan")


class AnswerItem(db.Model):
    """One value: a chosen choice (1-based; a scale point), a matrix row's point, a number or text."""

    __tablename__ = "survey_answer_items"
    # (question, answer, choice): a cross-tab reads two questions' values from this index alone.
    __table_args__ = (UniqueConstraint("answer_id", "question_id", "row", "choice", name="uq_survey_answer_items_value"),
                      Index("ix_survey_answer_items_question_answer", "question_id", "answer_id", "choice"))

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("survey_answers.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(default=0)
    choice: Mapped[int | None] = mapped_column()
    number: Mapped[float | None] = mapped_column(Numeric(14, 2))
    text: Mapped[str] = mapped_column(Text, default="")
