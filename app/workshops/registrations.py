"""Sign-ups, the waitlist and cancellations: the rules about seats.

Every function that counts seats first locks the workshop row (``lock_workshop``), so two people
taking the last seat at the same moment are served one after the other and never overbook.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.text import normalize
from app.core.timeutil import utcnow
from app.extensions import db
from app.workshops.models import ATTRIBUTES, Accommodation, Registration, Workshop
from app.workshops.services import WorkshopError, confirmed_seats, lock_workshop
from app.workshops.tasks import notify_registration

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read aloud or typed on a tablet, a code should not be misread.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


def registration_token(registration: Registration) -> str:
    """The private link's secret. Derived, not stored, so later mails (promotion, reminder) can carry it."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"workshop-registration:{registration.token_salt}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_by_token(token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    registration = db.session.scalar(select(Registration).where(Registration.token_hash == _hash(token)))
    if registration is None or not hmac.compare_digest(registration_token(registration), token):
        return None
    return registration


def normalize_code(code: str) -> str:
    return "".join(ch for ch in normalize(code or "").upper() if ch.isalnum())


def _new_code(workshop_id: int) -> str:
    """A code unique within the workshop; the caller holds the workshop lock."""
    taken = set(db.session.scalars(select(Registration.checkin_code).where(Registration.workshop_id == workshop_id)))
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def new_registration(workshop: Workshop, data: dict, status: str, now: datetime) -> Registration:
    registration = Registration(
        workshop_id=workshop.id,
        status=status,
        name=data.get("name", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        attribute=data.get("attribute") or "other",
        party_size=data.get("party_size") or 1,
        answer_1=data.get("answer_1", "") if workshop.question_1 else "",
        answer_2=data.get("answer_2", "") if workshop.question_2 else "",
        locale=data.get("locale", "ja"),
        walk_in=data.get("walk_in", False),
        form_key=data.get("form_key") or None,
        token_salt=secrets.token_hex(16),
        checkin_code=_new_code(workshop.id),
        created_at=now,
        confirmed_at=now if status == "confirmed" else None,
    )
    registration.token_hash = _hash(registration_token(registration))
    needs = data.get("accommodation") or {}
    if any(needs.values()):
        registration.accommodation = Accommodation(**needs)
    db.session.add(registration)
    return registration


def _check_person(workshop: Workshop, data: dict) -> None:
    if not data.get("name", "").strip():
        raise WorkshopError("name_required", "name")
    email, phone = data.get("email", ""), data.get("phone", "")
    if workshop.contact_mode == "email" and not email:
        raise WorkshopError("email_required", "email")
    if workshop.contact_mode == "phone" and not phone:
        raise WorkshopError("phone_required", "phone")
    if workshop.contact_mode == "email_or_phone" and not (email or phone):
        raise WorkshopError("contact_required", "email")
    if data.get("attribute") not in ATTRIBUTES:
        raise WorkshopError("attribute_required", "attribute")
    party = data.get("party_size") or 1
    if party < 1 or party > workshop.max_party_size:
        raise WorkshopError("party_too_large", "party_size")


def register_participant(workshop_id: int, data: dict, *, now: datetime | None = None) -> tuple[Registration, bool]:
    """Sign someone up: a seat if the party fits, otherwise the end of the waitlist.

    Refused outside the sign-up window and for draft, cancelled or past workshops. The same form
    sent twice (a double click) returns the first registration: ``form_key`` must therefore be one
    the server gave this sender (the view accepts only its session's, app.core.formkeys), or it
    would open someone else's sign-up. Returns (registration, created).
    """
    now = now or utcnow()
    workshop = lock_workshop(workshop_id)
    if not workshop.is_public:
        raise WorkshopError("not_found")
    state = workshop.signup_state(now)
    if state != "open":
        raise WorkshopError(f"signup_{state}")
    _check_person(workshop, data)
    if data.get("form_key"):
        earlier = db.session.scalar(select(Registration).where(
            Registration.workshop_id == workshop.id, Registration.form_key == data["form_key"]))
        if earlier is not None:
            return earlier, False
    fits = confirmed_seats(workshop.id) + (data.get("party_size") or 1) <= workshop.capacity
    registration = new_registration(workshop, data, "confirmed" if fits else "waitlisted", now)
    db.session.flush()
    notify_registration(registration, registration.status)
    record_audit("workshop.register", registration, actor=None,
                 details={"workshop_id": workshop.id, "status": registration.status})
    return registration, True


def registrations_of(workshop: Workshop) -> list[Registration]:
    """Every sign-up of the workshop for staff: by state, then in the order they came."""
    return list(db.session.scalars(select(Registration).where(Registration.workshop_id == workshop.id)
                                   .order_by(Registration.status, Registration.created_at, Registration.id)))


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != "waitlisted":
        return None
    ahead = db.session.scalars(select(Registration.id).where(
        Registration.workshop_id == registration.workshop_id, Registration.status == "waitlisted",
        Registration.created_at <= registration.created_at, Registration.id != registration.id))
    return len(list(ahead)) + 1


def promote_waitlist(workshop: Workshop, *, now: datetime | None = None) -> list[Registration]:
    """Give free seats to the waitlist in sign-up order, each to the first party that still fits,
    and tell them. The caller holds the workshop lock."""
    now = now or utcnow()
    if workshop.is_cancelled or workshop.has_started(now):
        return []
    free = workshop.capacity - confirmed_seats(workshop.id)
    promoted = []
    waiting = db.session.scalars(
        select(Registration).where(Registration.workshop_id == workshop.id, Registration.status == "waitlisted")
        .order_by(Registration.created_at, Registration.id)
    )
    for registration in waiting:
        if free <= 0:
            break
        if registration.party_size > free:
            continue
        registration.status = "confirmed"
        registration.confirmed_at = registration.promoted_at = now
        free -= registration.party_size
        promoted.append(registration)
    db.session.flush()
    for registration in promoted:
        notify_registration(registration, "promoted")
        record_audit("workshop.promote", registration, actor=None, details={"workshop_id": workshop.id})
    return promoted


def cancel_registration(registration: Registration, *, now: datetime | None = None) -> list[Registration]:
    """The participant cancels through their private link; a freed seat goes to the waitlist."""
    now = now or utcnow()
    workshop = lock_workshop(registration.workshop_id)
    db.session.refresh(registration)
    if registration.status == "cancelled":
        raise WorkshopError("already_cancelled")
    if workshop.has_started(now):
        raise WorkshopError("cancel_too_late")
    was_confirmed = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.cancelled_at = now
    db.session.flush()
    record_audit("workshop.cancel_registration", registration, actor=None, details={"workshop_id": workshop.id})
    return promote_waitlist(workshop, now=now) if was_confirmed else []


def change_capacity(workshop: Workshop, capacity: int, *, actor, now: datetime | None = None) -> list[Registration]:
    """Staff set the number of seats: never below the seats already confirmed; more seats
    promote from the waitlist."""
    if not workshop.can_edit(actor):
        raise WorkshopError("forbidden")
    workshop = lock_workshop(workshop.id)
    if capacity < 1 or capacity > 10000:
        raise WorkshopError("capacity_range", "capacity")
    if capacity < confirmed_seats(workshop.id):
        raise WorkshopError("capacity_below_confirmed", "capacity")
    if capacity < workshop.max_party_size:
        raise WorkshopError("party_above_capacity", "capacity")
    before = workshop.capacity
    if capacity == before:
        return []
    workshop.capacity = capacity
    db.session.flush()
    record_audit("workshop.capacity", workshop, actor=actor, details={"from": before, "to": capacity})
    return promote_waitlist(workshop, now=now)
