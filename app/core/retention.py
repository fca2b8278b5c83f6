"""Deleting personal data once the city's retention period is over (個人情報の保存期間).

``PERSONAL_DATA_RETENTION_DAYS`` after the event that ends each record's use, the personal data in
it is deleted and what the city publishes or counts stays:

- submissions: the submitter's name, address, email and phone, and the attached files, once the
  period's result has been published that long (or, for a withdrawn period, once it closed);
  the opinions, receipt numbers and attributes stay (the result's counts are made of them);
- workshop sign-ups: name, email, phone and answers, that long after the workshop ended;
- staff exports of submissions (files with names in them), that long after they were made;
- the mail log and finished background jobs (addresses and mail contents), that long after;
- plan followers (app.follow): an address never confirmed goes after FOLLOW_CONFIRM_DAYS (7, its own
  nightly job too), a confirmed one when its owner unsubscribes; digests (a keyed hash of the address)
  that long after they were made.

Each feature that keeps personal data connects a purge to ``signals.personal_data_purge``:
``purge(cutoff)`` flushes its changes and returns ``(name, how many records or files it cleared)``. Every run is recorded in the
audit log. It runs every night (``app.core.tasks.SCHEDULE``) and by hand with ``flask retention purge``;
a second run finds nothing left to do. Files are removed before the commit: if the commit failed,
the rows would point at files that were due to go anyway, and the next run clears them.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_

from app.core import signals
from app.core.audit import record_audit
from app.core.jobs import job
from app.core.models import MailDelivery, OutboxJob
from app.core.timeutil import utcnow
from app.extensions import db

FINISHED_JOB_STATES = ("done", "failed")


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=current_app.config["PERSONAL_DATA_RETENTION_DAYS"])


def purge_personal_data(now: datetime | None = None) -> dict[str, int]:
    """Run every feature's purge with one cutoff. Flushes; returns the counts by purge name."""
    cutoff = retention_cutoff(now)
    counts = dict(count for _receiver, count in signals.personal_data_purge.send(cutoff))
    if any(counts.values()):
        record_audit("retention.purge", actor=None, details={"cutoff": cutoff.isoformat(), **counts})
    db.session.flush()
    return counts


@job("low")
def run_purge() -> dict[str, int]:
    """The nightly job (committed by the scheduler's runner)."""
    return purge_personal_data()


def purge_mail_log(cutoff: datetime) -> tuple[str, int]:
    """The mail log keeps recipients' addresses; a finished job keeps its arguments (an address, a
    name in a workshop mail). Neither is needed once nobody will retry them."""
    mails = db.session.execute(delete(MailDelivery).where(MailDelivery.created_at < cutoff)).rowcount
    jobs = db.session.execute(delete(OutboxJob).where(
        OutboxJob.state.in_(FINISHED_JOB_STATES),
        or_(OutboxJob.finished_at < cutoff, OutboxJob.finished_at.is_(None) & (OutboxJob.created_at < cutoff)),
    )).rowcount
    return "mail log", mails + jobs


def init_app(app) -> None:
    app.config.setdefault("PERSONAL_DATA_RETENTION_DAYS", 365)
    signals.personal_data_purge.connect(purge_mail_log)
