"""Following jobs: the confirm mail, the daily digests, and deleting subscriptions never confirmed.

Every mail carries a one-click unsubscribe link in its text and in the ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` headers (RFC 8058). ``SCHEDULE`` at the bottom says what runs when (Japan time).
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import delete

from app.core.jobs import Recurring, dispatch, job
from app.core.mail import external_url, send_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.follow.models import Digest, Follower, FollowEvent
from app.follow.services import confirm_token, purge_unconfirmed, unsubscribe_token


def unsubscribe_headers(link: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@job("high")
def send_confirmation(follower_id: int) -> None:
    """The confirm mail: the only mail an address gets before its owner confirms."""
    follower = db.session.get(Follower, follower_id)
    if follower is None or follower.is_confirmed:
        return
    unsubscribe = external_url("follow.unsubscribe", token=unsubscribe_token([follower.id]))
    context = {"plan": follower.plan.title, "link": external_url("follow.confirm", token=confirm_token(follower)),
               "days": current_app.config["FOLLOW_CONFIRM_DAYS"], "unsubscribe": unsubscribe}
    send_email(follower.email, "follow/email/confirm.txt", follower.locale, context, unsubscribe_headers(unsubscribe))


@job("default")
def queue_digests(now_iso: str | None = None) -> int:
    """Record the clock's events, make today's digests and ask for each to be sent. Safe to run
    again: a recipient who has today's digest waits for tomorrow. Returns how many were made."""
    from app.follow.digests import collect_clock_events, make_digests

    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    collect_clock_events(now)
    made = make_digests(now)
    for digest_id in made:
        send_digest.delay(digest_id)
    db.session.commit()
    dispatch()
    return len(made)


@job("default")
def send_digest(digest_id: int) -> bool:
    """Send one digest, at most once: a retry of the job finds the mail in app.core.mail's log (kept
    per job id) and a later run finds the digest marked sent. Items no longer public are left out."""
    from app.follow.render import digest_mail

    digest = db.session.get(Digest, digest_id)
    if digest is None or digest.sent_at is not None:
        return False
    mail = digest_mail(digest)
    if mail is not None:
        to, locale, context, headers = mail
        send_email(to, "follow/email/digest.txt", locale, context, headers)
    digest.sent_at = utcnow()
    db.session.flush()
    return mail is not None


@job("low")
def purge_unconfirmed_followers() -> int:
    """Unconfirmed addresses go FOLLOW_CONFIRM_DAYS after they were given."""
    return purge_unconfirmed()


def purge_personal_data(cutoff: datetime) -> tuple[str, int]:
    """app.core.retention: unconfirmed subscriptions past their time, and digests (keyed hashes of
    addresses) made before the cutoff, with the events they told of (older than any digest still
    kept, so nothing is sent again). Confirmed subscriptions stay until their owner leaves."""
    unconfirmed = purge_unconfirmed()
    old = db.session.execute(delete(Digest).where(Digest.created_at < cutoff)).rowcount
    db.session.execute(delete(FollowEvent).where(FollowEvent.occurred_at < cutoff))
    db.session.flush()
    return "plan followers", unconfirmed + old


SCHEDULE = [
    Recurring(queue_digests, cron="0 17 * * *"),
    Recurring(purge_unconfirmed_followers, cron="45 3 * * *"),
]
