"""Following a plan by email without an account (double opt-in, a daily digest, one-click
unsubscribe) and the calendar feeds of a plan and of the whole city."""

from flask import Flask

from app.core import signals


def plan_page_follow(plan, user=None) -> tuple[str, dict] | None:
    """The plan page's box: a link to the form that follows it by email, and its calendars."""
    if not plan.is_published:
        return None
    return "follow/_plan_follow.html", {"plan": plan}


def cacheable_pages(_app) -> set[str]:
    return {"follow.sent"}


def recurring_jobs(_app) -> list:
    from app.follow.tasks import SCHEDULE

    return SCHEDULE


def init_app(app: Flask) -> None:
    from app.follow import services, tasks
    from app.follow.views import bp

    # Unconfirmed addresses are deleted this many days after they were given (and the link dies then).
    app.config.setdefault("FOLLOW_CONFIRM_DAYS", 7)
    app.register_blueprint(bp)
    signals.plan_page_sections.connect(plan_page_follow)
    signals.workshop_published.connect(services.workshop_published)
    signals.result_published.connect(services.result_published)
    signals.personal_data_purge.connect(tasks.purge_personal_data)
    signals.recurring_jobs.connect(recurring_jobs)
    signals.cacheable_pages.connect(cacheable_pages)
