"""Workshop jobs: mails to participants, the day-before reminder, and deleting accommodation requests.

``SCHEDULE`` at the bottom says what runs when (cron times in Japan time); the scheduler process
collects it through ``signals.recurring_jobs``. Each job reloads its rows and can run twice without harm.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, func, select, update

from app.core.audit import record_audit
from app.core.jobs import Recurring, dispatch, job
from app.core.mail import send_email
from app.core.timeutil import jst_start_of_day, to_jst, utcnow
from app.extensions import db
from app.workshops.models import ACCOMMODATIONS, Accommodation, Registration, Workshop

MAIL_KINDS = ("confirmed", "waitlisted", "promoted", "reminder", "workshop_cancelled")
# Which registration states a mail still makes sense for when the job finally runs.
_STILL_TRUE = {
    "confirmed": ("confirmed",),
    "waitlisted": ("waitlisted",),
    "promoted": ("confirmed",),
    "reminder": ("confirmed",),
    "workshop_cancelled": ("confirmed", "waitlisted"),
}


def notify_registration(registration: Registration, kind: str) -> None:
    """Ask for a mail to the participant after commit; people who gave only a phone number get none."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown mail {kind!r}")
    if registration.email:
        send_registration_email.delay(registration.id, kind)


def external_url(endpoint: str, **values) -> str:
    """A link for a mail, on SITE_URL, built without a request (jobs run in workers)."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme)
    return adapter.build(endpoint, values, force_external=True)


@job("high")
def send_registration_email(registration_id: int, kind: str) -> None:
    """One mail about one registration, with its private link and check-in code."""
    from app.workshops.registrations import registration_token, waitlist_position

    registration = db.session.get(Registration, registration_id)
    if registration is None or not registration.email:
        return
    workshop = registration.workshop
    if registration.status not in _STILL_TRUE[kind] or (kind == "reminder" and workshop.is_cancelled):
        return
    context = {
        "name": registration.name,
        "title": workshop.title,
        "starts": workshop.starts_at,
        "ends": workshop.end_time_label,
        "venue": workshop.venue_name,
        "code": registration.checkin_code,
        "party_size": registration.party_size,
        "position": waitlist_position(registration),
        "reason": workshop.cancel_reason,
        "link": external_url("workshops.registration", token=registration_token(registration)),
        "page": external_url("workshops.show", workshop_id=workshop.id),
    }
    send_email(registration.email, f"workshops/email/{kind}.txt", registration.locale, context)


@job("default")
def send_reminders(now_iso: str | None = None) -> int:
    """Remind confirmed participants of a workshop that starts by the end of tomorrow (Japan time).

    Each registration is reminded at most once: the time is recorded on its row in the same
    transaction that asks for the mail. Returns how many reminders were asked for.
    """
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    horizon = jst_start_of_day(to_jst(now).date() + timedelta(days=2))
    due = db.session.scalars(
        select(Registration).join(Workshop)
        .where(Workshop.status == "published", Workshop.starts_at > now, Workshop.starts_at < horizon,
               Registration.status == "confirmed", Registration.reminder_sent_at.is_(None),
               Registration.walk_in.is_(False), Registration.email != "")
        .with_for_update(of=Registration, skip_locked=True)
    ).all()
    for registration in due:
        registration.reminder_sent_at = now
        notify_registration(registration, "reminder")
    db.session.commit()
    dispatch()
    return len(due)


def accommodation_counts(workshop_id: int) -> dict[str, int]:
    rows = db.session.scalars(
        select(Accommodation).join(Registration)
        .where(Registration.workshop_id == workshop_id, Registration.status != "cancelled")
    )
    counts = dict.fromkeys(ACCOMMODATIONS, 0)
    for row in rows:
        for kind in row.kinds():
            counts[kind] += 1
    return counts


@job("default")
def purge_accommodation_data(now_iso: str | None = None) -> int:
    """Delete accommodation requests a set number of days after the workshop, keeping their counts.

    Returns how many workshops were purged; a second run finds nothing left to do.
    """
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    cutoff = now - timedelta(days=current_app.config["WORKSHOP_ACCOMMODATION_RETENTION_DAYS"])
    workshops = db.session.scalars(
        select(Workshop).where(Workshop.ends_at < cutoff, Workshop.accommodation_purged_at.is_(None))
    ).all()
    for workshop in workshops:
        purge_workshop_accommodations(workshop, now)
    db.session.commit()
    return len(workshops)


def purge_workshop_accommodations(workshop: Workshop, now: datetime) -> int:
    """Replace one workshop's requests by their counts. Flushes; returns how many were deleted."""
    db.session.flush()  # nothing pending is lost to the expire below
    counts = accommodation_counts(workshop.id)
    registration_ids = select(Registration.id).where(Registration.workshop_id == workshop.id)
    deleted = db.session.scalar(
        select(func.count()).select_from(Accommodation).where(Accommodation.registration_id.in_(registration_ids))
    )
    db.session.execute(delete(Accommodation).where(Accommodation.registration_id.in_(registration_ids)))
    db.session.expire_all()  # loaded registrations must not keep the deleted rows
    workshop.accommodation_counts = counts
    workshop.accommodation_purged_at = now
    db.session.flush()
    record_audit("workshop.purge_accommodation", workshop, actor=None, details={"deleted": deleted})
    return deleted


def purge_personal_data(cutoff: datetime) -> tuple[str, int]:
    """Blank the name, email, phone and answers of sign-ups to workshops that ended before ``cutoff``
    (app.core.retention); status, party size, attendance and attribute stay for the counts."""
    ended = select(Workshop.id).where(Workshop.ends_at < cutoff)
    holding = (Registration.name != "") | (Registration.email != "") | (Registration.phone != "") | \
        (Registration.answer_1 != "") | (Registration.answer_2 != "")
    cleared = db.session.execute(
        update(Registration).where(Registration.workshop_id.in_(ended), holding)
        .values(name="", email="", phone="", answer_1="", answer_2="").execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return "workshop sign-ups", cleared


SCHEDULE = [
    Recurring(send_reminders, cron="0 9 * * *"),
    Recurring(purge_accommodation_data, cron="30 3 * * *"),
]
