"""Rows every feature shares: the audit log and the job outbox."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class AuditEntry(db.Model):
    """Who did what to which object, when and why. Rows are only ever added."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str] = mapped_column(String(64), default="")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_change(mapper, connection, target) -> None:
    raise PermissionError("the audit log is append-only")


def new_job_id() -> str:
    return uuid.uuid4().hex


class OutboxJob(db.Model):
    """A job asked for inside a transaction; it reaches the queue only once that transaction commits.

    Its id is the RQ job id, so enqueueing it twice is harmless, and a row still ``pending``
    after Redis was down is picked up by the drain. A row the workers' drainer handed over with others
    in one RQ job (``run_outbox_batch``) names that job in ``rq_job_id``.
    """

    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_state_created", "state", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_job_id)
    func: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    queue: Mapped[str] = mapped_column(String(32), default="default")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rq_job_id: Mapped[str | None] = mapped_column(String(32))

    @property
    def carried_by(self) -> str:
        """The id of the RQ job that runs this row."""
        return self.rq_job_id or self.id


class MailDelivery(db.Model):
    """One row per email job, written before the message goes out: a rerun never sends it twice."""

    __tablename__ = "mail_deliveries"

    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    template: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default="sending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Setting(db.Model):
    """One of the city's rules; absent rows mean the default in ``app.core.settings``."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def id(self) -> str:
        return self.key


class JobRun(db.Model):
    """One run of a visible background job (digest, import, export): state, progress, result, error."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    func: Mapped[str] = mapped_column(String(200), default="")  # dotted path, so a failed run can be retried
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[int | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    progress: Mapped[int] = mapped_column(default=0)  # 0-100
    step: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
