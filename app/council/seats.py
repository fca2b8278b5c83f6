"""Seats for the public at a council meeting (傍聴): a sign-up with a fixed number of seats.

Like a workshop's sign-up, every function that counts seats first locks the meeting row
(``lock_meeting``), so two people asking for the last seat at once are served one after the
other: one gets it, the other is told the seats are gone. There is no waitlist: a council seat
is taken on the day by those who asked, and the minutes follow for everyone.
"""

import secrets
from datetime import datetime

from sqlalchemy import func, select, update

from app.core.audit import record_audit
from app.core.timeutil import utcnow
from app.council.models import CouncilMeeting, SeatRequest
from app.council.services import CouncilError
from app.extensions import db

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a receipt number is read out at the door.
RECEIPT_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
RECEIPT_LENGTH = 6


def lock_meeting(meeting_id: int) -> CouncilMeeting:
    """Reload the meeting holding its row lock until commit. (SQLite serialises writers already.)"""
    meeting = db.session.scalar(
        select(CouncilMeeting).where(CouncilMeeting.id == meeting_id).with_for_update(of=CouncilMeeting)
        .execution_options(populate_existing=True))
    if meeting is None:
        raise CouncilError("not_found")
    return meeting


def seats_taken(meeting_id: int) -> int:
    return db.session.scalar(select(func.count(SeatRequest.id)).where(SeatRequest.meeting_id == meeting_id))


def seats_left(meeting: CouncilMeeting) -> int:
    return max(meeting.seat_capacity - seats_taken(meeting.id), 0)


def _new_receipt(meeting_id: int) -> str:
    taken = set(db.session.scalars(select(SeatRequest.receipt_no).where(SeatRequest.meeting_id == meeting_id)))
    while True:
        code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
        if code not in taken:
            return code


def request_seat(meeting_id: int, data: dict, *, now: datetime | None = None) -> tuple[SeatRequest, bool]:
    """Give the person a seat and a receipt number, or refuse: not public, closed, or full.

    The same form sent twice (``form_key``, one the server issued to this browser) returns the first
    request. Returns (request, created)."""
    now = now or utcnow()
    meeting = lock_meeting(meeting_id)
    if not meeting.is_public:
        raise CouncilError("not_found")
    state = meeting.seat_state(now)
    if state != "open":
        raise CouncilError(f"seats_{state}")
    name, contact = (data.get("name") or "").strip(), (data.get("contact") or "").strip()
    if not name:
        raise CouncilError("name_required", "name")
    if not contact:
        raise CouncilError("contact_required", "contact")
    if data.get("form_key"):
        earlier = db.session.scalar(select(SeatRequest).where(
            SeatRequest.meeting_id == meeting.id, SeatRequest.form_key == data["form_key"]))
        if earlier is not None:
            return earlier, False
    if seats_taken(meeting.id) >= meeting.seat_capacity:
        raise CouncilError("seats_full")
    seat = SeatRequest(meeting_id=meeting.id, receipt_no=_new_receipt(meeting.id), name=name[:100],
                       contact=contact[:255], form_key=data.get("form_key") or None, created_at=now)
    db.session.add(seat)
    db.session.flush()
    record_audit("council.seat_request", seat, actor=None, details={"meeting_id": meeting.id})
    return seat, True


def seat_requests_of(meeting: CouncilMeeting) -> list[SeatRequest]:
    """For the meeting's staff only: who asked, in the order they asked."""
    return list(db.session.scalars(select(SeatRequest).where(SeatRequest.meeting_id == meeting.id)
                                   .order_by(SeatRequest.created_at, SeatRequest.id)))


def purge_personal_data(cutoff: datetime) -> tuple[str, int]:
    """Blank the names and contacts of seat requests for meetings held before ``cutoff``
    (app.core.retention); the receipt numbers stay, so the count of seats given stays."""
    held = select(CouncilMeeting.id).where(CouncilMeeting.ends_at < cutoff)
    cleared = db.session.execute(
        update(SeatRequest).where(SeatRequest.meeting_id.in_(held), (SeatRequest.name != "") |
                                  (SeatRequest.contact != ""))
        .values(name="", contact="").execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return "council seat requests", cleared
