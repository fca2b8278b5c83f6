"""What followers hear: one digest a day per person, gathered from signals and the clock, never twice."""

from datetime import timedelta

from sqlalchemy import func, select

from app.core import signals
from app.core.jobs import resolve
from app.core.timeutil import utcnow
from app.extensions import db
from app.follow import tasks
from app.follow.models import Digest, DigestItem, FollowEvent
from app.periods.models import CommentPeriod
from tests.follow.conftest import links_in, path_of


def queue(app, now) -> int:
    with app.app_context():
        return tasks.queue_digests(now.isoformat())


def test_schedule_names_real_functions():
    assert {entry.func for entry in tasks.SCHEDULE} == {tasks.queue_digests, tasks.purge_unconfirmed_followers}
    for entry in tasks.SCHEDULE:
        assert resolve(entry.name) is entry.func and len(entry.cron.split()) == 5


def test_events_of_one_day_make_one_mail_and_of_two_days_two(app, make_plan, make_workshop, make_follower,
                                                             mailbox, run_jobs):
    plan_id = make_plan(title="ダイジェスト計画")
    make_follower(plan_id, "fan@example.jp")
    first = make_workshop(plan_id=plan_id, title="一つ目の会")
    second = make_workshop(plan_id=plan_id, title="二つ目の会")
    now = utcnow()
    assert queue(app, now) == 1
    run_jobs()
    assert len(mailbox) == 1
    body = mailbox[0].get_content()
    assert "一つ目の会" in body and "二つ目の会" in body and "ワークショップの開催が決まりました" in body
    assert f"/workshops/{first}" in body and f"/workshops/{second}" in body
    # Later the same day: news waits for tomorrow's digest.
    make_workshop(plan_id=plan_id, title="三つ目の会")
    assert queue(app, now + timedelta(minutes=1)) == 0
    run_jobs()
    assert len(mailbox) == 1
    assert queue(app, now + timedelta(days=1)) == 1
    run_jobs()
    assert len(mailbox) == 2 and "三つ目の会" in mailbox[1].get_content()
    assert "一つ目の会" not in mailbox[1].get_content()


def test_a_person_following_two_plans_gets_one_mail(app, make_plan, make_workshop, make_follower, mailbox, run_jobs):
    plans = [make_plan(title="計画A"), make_plan(title="計画B")]
    for plan_id in plans:
        make_follower(plan_id, "both@example.jp")
        make_workshop(plan_id=plan_id)
    make_follower(plans[0], "other@example.jp")
    assert queue(app, utcnow()) == 2
    run_jobs()
    assert sorted(mail["To"] for mail in mailbox) == ["both@example.jp", "other@example.jp"]
    both = next(mail for mail in mailbox if mail["To"] == "both@example.jp").get_content()
    assert "計画A" in both and "計画B" in both and both.count("/follow/unsubscribe/") == 3  # per plan, and all


def test_every_digest_carries_the_one_click_unsubscribe_headers(app, client, make_plan, make_workshop,
                                                                make_follower, mailbox, run_jobs):
    plan_id = make_plan()
    make_follower(plan_id)
    make_workshop(plan_id=plan_id)
    queue(app, utcnow())
    run_jobs()
    mail = mailbox[0]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(mail["List-Unsubscribe"]).strip()[1:-1]
    assert link in links_in(mail)
    assert app.test_client().post(path_of(link), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    make_workshop(plan_id=plan_id)
    assert queue(app, utcnow() + timedelta(days=1)) == 0


def test_a_retried_job_sends_nothing_twice(app, make_plan, make_workshop, make_follower, mailbox, run_jobs):
    plan_id = make_plan()
    make_follower(plan_id)
    make_workshop(plan_id=plan_id)
    now = utcnow()
    assert queue(app, now) == 1
    run_jobs()
    with app.app_context():
        digest_id = db.session.scalar(select(Digest.id))
        assert tasks.send_digest(digest_id) is False  # run again by hand or by a retry
        db.session.commit()
        assert tasks.queue_digests(now.isoformat()) == 0
        assert db.session.scalar(select(func.count()).select_from(DigestItem)) == 1
    run_jobs()
    assert len(mailbox) == 1


def test_news_older_than_the_subscription_is_not_sent(app, make_plan, make_workshop, make_follower, mailbox,
                                                      run_jobs):
    plan_id = make_plan()
    make_workshop(plan_id=plan_id)
    make_follower(plan_id, confirmed_ago=timedelta(seconds=-1))  # confirmed just after it was announced
    assert queue(app, utcnow() + timedelta(seconds=5)) == 0
    run_jobs()
    assert mailbox == []


def test_the_clock_opens_a_period_and_warns_a_week_before_it_closes(app, make_plan, make_period, make_follower,
                                                                    mailbox, run_jobs):
    plan_id = make_plan()
    make_follower(plan_id, confirmed_ago=timedelta(days=40))
    now = utcnow()
    period_id = make_period(plan_id=plan_id, title="締切テスト募集", opens_at=now - timedelta(hours=2),
                            closes_at=now + timedelta(days=30))
    assert queue(app, now) == 1
    run_jobs()
    assert "意見募集が始まりました" in mailbox[0].get_content() and f"/periods/{period_id}" in mailbox[0].get_content()
    assert queue(app, now + timedelta(days=1)) == 0  # nothing new
    assert queue(app, now + timedelta(days=23, hours=1)) == 1
    run_jobs()
    assert len(mailbox) == 2
    body = mailbox[1].get_content()
    assert "意見募集の締切まであと1週間です" in body and "締切：" in body and "意見募集が始まりました" not in body


def test_result_publication_reaches_followers_through_the_signal(app, make_plan, make_period, make_follower,
                                                                  mailbox, run_jobs):
    plan_id = make_plan()
    make_follower(plan_id, confirmed_ago=timedelta(days=100))
    period_id = make_period(plan_id=plan_id, state="closed", published=True)
    with app.app_context():
        signals.result_published.send(db.session.get(CommentPeriod, period_id))
        signals.result_published.send(db.session.get(CommentPeriod, period_id))  # recorded once
        db.session.commit()
        assert db.session.scalars(select(FollowEvent.kind)).all() == ["result_published"]
    assert queue(app, utcnow()) == 1
    run_jobs()
    assert f"/periods/{period_id}/result" in mailbox[0].get_content()


def test_news_no_longer_public_is_left_out(app, make_plan, make_period, make_follower, mailbox, run_jobs):
    plan_id = make_plan()
    make_follower(plan_id, confirmed_ago=timedelta(days=100))
    period_id = make_period(plan_id=plan_id, state="closed", published=True)
    with app.app_context():
        signals.result_published.send(db.session.get(CommentPeriod, period_id))
        db.session.get(CommentPeriod, period_id).status = "withdrawn"
        db.session.commit()
    assert queue(app, utcnow()) == 1
    run_jobs()
    assert mailbox == []


def test_publishing_a_result_records_the_event(app, make_plan, make_period, staff_pair):
    from datetime import date

    from app.accounts.models import User
    from app.responses import results

    plan_id = make_plan()
    period_id = make_period(plan_id=plan_id, state="closed")
    author_id, approver_id = staff_pair()
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        results.update_result(period, title="結果", draft_published_on=date(2026, 10, 6), full_text_note="",
                              introduction="", actor=db.session.get(User, author_id))
        results.publish_result(period, actor=db.session.get(User, approver_id))
        event = db.session.scalars(select(FollowEvent)).one()
        assert (event.kind, event.subject_id, event.plan_id) == ("result_published", period_id, plan_id)
