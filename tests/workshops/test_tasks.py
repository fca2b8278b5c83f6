"""Scheduled jobs (the day-before reminder, deleting accommodation requests) and the demo data."""

from datetime import timedelta

from sqlalchemy import func, select

from app.core.jobs import resolve
from app.core.timeutil import jst_start_of_day, jst_today, utcnow
from app.extensions import db
from app.workshops import tasks
from app.workshops.models import Accommodation, Registration, Workshop
from tests.workshops.conftest import token_of


def test_schedule_names_real_functions():
    assert {entry.func for entry in tasks.SCHEDULE} == {tasks.send_reminders, tasks.purge_accommodation_data}
    for entry in tasks.SCHEDULE:
        assert resolve(entry.name) is entry.func and len(entry.cron.split()) == 5


def test_reminder_goes_once_to_confirmed_participants_the_day_before(app, ctx, make_workshop, sign_up, mailbox,
                                                                    run_jobs):
    now = utcnow()
    starts = jst_start_of_day(jst_today() + timedelta(days=1)) + timedelta(hours=14)  # tomorrow 14:00 in Japan
    tomorrow = make_workshop(capacity=1, starts_at=starts, ends_at=starts + timedelta(hours=3),
                             signup_closes_at=now + timedelta(hours=1))
    later = make_workshop(starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=5, hours=2),
                          signup_closes_at=now + timedelta(days=4))
    confirmed, _ = sign_up(tomorrow, email="come@example.jp")
    sign_up(tomorrow, email="waiting@example.jp")
    sign_up(later, email="later@example.jp")
    run_jobs()
    mailbox.clear()
    assert tasks.send_reminders(now.isoformat()) == 1
    run_jobs()
    assert tasks.send_reminders(now.isoformat()) == 0  # a second run finds it already reminded
    run_jobs()
    assert [mail["To"] for mail in mailbox] == ["come@example.jp"]
    assert "開催のお知らせ" in mailbox[0]["Subject"]
    assert token_of(app, confirmed) in mailbox[0].get_content()
    assert db.session.get(Registration, confirmed).reminder_sent_at is not None


def test_accommodation_requests_are_deleted_after_the_retention_period_leaving_counts(app, ctx, make_workshop,
                                                                                       sign_up):
    now = utcnow()
    starts = now - timedelta(days=40)
    old = make_workshop(starts_at=starts, ends_at=starts + timedelta(hours=3),
                        signup_opens_at=starts - timedelta(days=10), signup_closes_at=starts - timedelta(days=1))
    recent = make_workshop()
    for workshop_id, at in ((old, starts - timedelta(days=5)), (recent, None)):
        sign_up(workshop_id, accommodation={"wheelchair": True, "childcare": True}, now=at)
        sign_up(workshop_id, accommodation={"note": "段差を避けたい"}, now=at)
    assert tasks.purge_accommodation_data(now.isoformat()) == 1
    assert tasks.purge_accommodation_data(now.isoformat()) == 0
    remaining = db.session.scalars(select(Registration.workshop_id).join(Accommodation)).all()
    assert set(remaining) == {recent}
    workshop = db.session.get(Workshop, old)
    assert workshop.accommodation_counts == {"wheelchair": 1, "sign_language": 0, "writing": 0, "childcare": 1,
                                             "other": 1}
    assert db.session.scalar(select(func.count()).select_from(Registration).where(Registration.workshop_id == old)) == 2


def test_retention_period_is_a_setting(app, ctx, make_workshop, sign_up):
    now = utcnow()
    starts = now - timedelta(days=10)
    make_workshop(starts_at=starts, ends_at=starts + timedelta(hours=3),
                  signup_opens_at=starts - timedelta(days=10), signup_closes_at=starts - timedelta(days=1))
    assert app.config["WORKSHOP_ACCOMMODATION_RETENTION_DAYS"] == 30
    assert tasks.purge_accommodation_data(now.isoformat()) == 0
    app.config["WORKSHOP_ACCOMMODATION_RETENTION_DAYS"] = 7
    try:
        assert tasks.purge_accommodation_data(now.isoformat()) == 1
    finally:
        app.config["WORKSHOP_ACCOMMODATION_RETENTION_DAYS"] = 30


def test_demo_loads_the_shimonoseki_workshop_and_a_nearly_full_one(app, ctx):
    from app.core.demodata import load_all
    from app.workshops.demo import PAST_TITLE, UPCOMING_TITLE
    from app.workshops.services import counts_for

    load_all()
    load_all()  # running it twice changes nothing
    past = db.session.scalars(select(Workshop).where(Workshop.title == PAST_TITLE)).one()
    upcoming = db.session.scalars(select(Workshop).where(Workshop.title == UPCOMING_TITLE)).one()
    assert past.theme == "市民活動をもっと楽しく！ ワークショップ"
    assert past.start_time_label == "13:30" and past.end_time_label == "16:30"
    assert past.starts_at.date().isoformat() == "2025-09-20" and "しものせき市民活動センター" in past.venue_name
    assert past.report_is_published and past.summary
    assert counts_for([past.id])[past.id].attended_seats == 18
    assert len(past.groups) == 4 and all(group.notes for group in past.groups)
    assert past.accommodation_purged_at is not None and past.accommodation_counts["wheelchair"] == 1
    counts = counts_for([upcoming.id])[upcoming.id]
    assert upcoming.starts_at > utcnow() and upcoming.signup_state() == "open"
    assert counts.confirmed_seats == 18 and upcoming.capacity == 20
