"""What a digest says: its items for the mail template, rendered by the job that sends it."""

from app.core.mail import external_url
from app.extensions import db
from app.follow.labels import EVENT_LABELS
from app.follow.models import Digest, FollowEvent
from app.follow.services import unsubscribe_token
from app.periods.models import CommentPeriod
from app.workshops.models import Workshop


def describe_event(event: FollowEvent) -> dict | None:
    """The title, times and link of what an event is about, or None once it is no longer public
    (a withdrawn period, an unpublished plan)."""
    if event.kind == "workshop_announced":
        workshop = db.session.get(Workshop, event.subject_id)
        if workshop is None or not workshop.is_public or workshop.is_cancelled:
            return None
        return {"label": EVENT_LABELS[event.kind], "title": workshop.title, "starts": workshop.starts_at,
                "venue": workshop.venue_name, "url": external_url("workshops.show", workshop_id=workshop.id)}
    period = db.session.get(CommentPeriod, event.subject_id)
    if period is None or period.status != "scheduled" or not period.plan.is_published:
        return None
    if event.kind == "result_published":
        return {"label": EVENT_LABELS[event.kind], "title": period.title,
                "url": external_url("results.show", period_id=period.id)}
    return {"label": EVENT_LABELS[event.kind], "title": period.title, "closes": period.closes_at,
            "url": external_url("periods.show", period_id=period.id)}


def digest_mail(digest: Digest) -> tuple[str, str, dict, dict] | None:
    """(address, language, template context, headers) for a digest, or None when nothing in it is
    still worth telling. Each plan comes with its own unsubscribe link; the header's link leaves all."""
    from app.follow.tasks import unsubscribe_headers

    plans: dict[int, dict] = {}
    followers = {}
    for item in digest.items:
        follower = item.follower
        followers[follower.id] = follower
        described = describe_event(item.event)
        if described is None:
            continue
        entry = plans.setdefault(follower.plan_id, {
            "title": follower.plan.title, "url": external_url("plans.show", plan_id=follower.plan_id),
            "unsubscribe": external_url("follow.unsubscribe", token=unsubscribe_token([follower.id])), "items": []})
        entry["items"].append(described)
    if not plans:
        return None
    first = next(iter(followers.values()))
    leave_all = external_url("follow.unsubscribe", token=unsubscribe_token(list(followers)))
    context = {"plans": list(plans.values()), "unsubscribe": leave_all}
    return first.email, first.locale, context, unsubscribe_headers(leave_all)
