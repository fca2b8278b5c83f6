"""Moderators act on their own department's periods: submissions carry names, addresses and phone
numbers, which stay with the department that asked for them. Admins, and moderators with no
department (the city's cross-department moderators), work every department's periods."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.jobs import dispatch
from app.core.models import AuditEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation import services, tasks
from app.moderation.models import Opinion
from app.moderation.services import ModerationError, QueueFilters
from app.moderation.services.stats import moderated_periods
from app.periods.models import CommentPeriod
from app.submissions.models import Submission
from tests.conftest import csrf_token
from tests.moderation.conftest import get, user

OURS, THEIRS = "まちづくり政策課", "財政課"


@pytest.fixture
def periods(make_period, make_submission, make_opinion):
    ours = make_period("まちづくりの意見募集", department=OURS)
    theirs = make_period("財政の意見募集", department=THEIRS)
    ours_sub = make_submission(ours, "市民活動センターの開館時間を延ばしてほしい。", name="山田 太郎")
    theirs_sub = make_submission(theirs, "市民活動センターの使用料を下げてほしい。", name="財政 花子")
    return {"ours": ours, "theirs": theirs, "ours_sub": ours_sub, "theirs_sub": theirs_sub,
            "ours_opinion": make_opinion(ours_sub), "theirs_opinion": make_opinion(theirs_sub)}


def found(filters, actor):
    return [s.id for s in db.session.scalars(services.queue_query(filters, actor))]


def test_the_queue_its_search_and_its_counts_hold_only_the_moderators_department(ctx, periods, make_user):
    mod = user(make_user("moderator", department=OURS))
    services.ensure_indexed()
    assert found(QueueFilters(), mod) == [periods["ours_sub"]]
    assert found(QueueFilters(q="市民活動センター"), mod) == [periods["ours_sub"]]
    assert found(QueueFilters(period_id=periods["theirs"]), mod) == []
    assert services.state_counts(QueueFilters(), mod) == {"new": 1, "in_progress": 0, "done": 0, "open": 1}
    assert [p.id for p in moderated_periods(mod)] == [periods["ours"]]


def test_admins_and_moderators_without_a_department_work_every_department(ctx, periods, make_user):
    both = sorted([periods["ours_sub"], periods["theirs_sub"]])
    for ident in (make_user("admin"), make_user("moderator")):
        actor = user(ident)
        assert sorted(found(QueueFilters(), actor)) == both
        services.claim_submission(get(Submission, periods["theirs_sub"]), actor)
        services.release_submission(get(Submission, periods["theirs_sub"]), actor)


def test_the_services_refuse_a_moderator_of_another_department(ctx, periods, make_user):
    mod = user(make_user("moderator", department=THEIRS))
    submission, opinion = get(Submission, periods["ours_sub"]), get(Opinion, periods["ours_opinion"])
    attempts = [
        lambda: services.claim_submission(submission, mod),
        lambda: services.split_by_entries(submission, mod),
        lambda: services.create_opinion(submission, mod, excerpt="市民活動センター"),
        lambda: services.decide_opinion(opinion, mod, decision="accepted"),
        lambda: services.redact_phrase(opinion, mod, phrase="開館時間", reason="other"),
        lambda: services.bulk_apply(get(CommentPeriod, periods["ours"]), [opinion.id], "accept", mod),
    ]
    for attempt in attempts:
        with pytest.raises(ModerationError) as refused:
            attempt()
        assert refused.value.code == "forbidden"
    assert submission.claimed_by_id is None and opinion.state == "pending"


def _post(client, url):
    return client.post(url, data={"csrf_token": csrf_token(client, "/moderation"), "opinion_ids": [],
                                  "action": "accept", "decide-decision": "accepted"})


def test_a_moderator_of_another_department_is_refused_every_page_and_changes_nothing(app, client, login_as,
                                                                                    periods):
    client, _ = login_as("moderator", department=THEIRS)
    s, o, p = periods["ours_sub"], periods["ours_opinion"], periods["ours"]
    for url in (f"/moderation/submissions/{s}", f"/moderation/opinions/{o}", f"/moderation/periods/{p}/opinions",
                f"/staff/periods/{p}/submissions", f"/staff/submissions/{s}"):
        assert client.get(url).status_code == 403, url
    for url in (f"/moderation/submissions/{s}/claim", f"/moderation/submissions/{s}/split",
                f"/moderation/opinions/{o}/decide", f"/moderation/periods/{p}/opinions"):
        assert _post(client, url).status_code == 403, url
    # Their own period's bulk action, handed the other department's opinion: refused with a message.
    response = client.post(f"/moderation/periods/{periods['theirs']}/opinions", data={
        "csrf_token": csrf_token(client, "/moderation"), "opinion_ids": [str(o)], "action": "accept"})
    assert response.status_code == 400
    assert "すべて同じ意見募集の意見を選んでください" in response.get_data(as_text=True)
    with app.app_context():
        ours_no, theirs_no = (db.session.get(Submission, i).receipt_no for i in (s, periods["theirs_sub"]))
    for url in (f"/moderation/queue?period={p}", "/moderation/queue?q=市民活動センター"):
        queue = client.get(url).get_data(as_text=True)
        assert ours_no not in queue and theirs_no in queue, url
    dashboard = client.get("/moderation").get_data(as_text=True)
    assert "まちづくりの意見募集" not in dashboard and "財政の意見募集" in dashboard
    with app.app_context():
        assert db.session.get(Submission, s).claimed_by_id is None
        assert db.session.get(Opinion, o).state == "pending"
        assert db.session.scalar(select(func.count()).select_from(Opinion)) == 2
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.like("opinion.%") | AuditEntry.action.like("submission.%"))) == 0


def test_the_departments_own_moderator_works_its_period_through_the_pages(app, client, login_as, periods):
    client, mod_id = login_as("moderator", department=OURS)
    s, o = periods["ours_sub"], periods["ours_opinion"]
    assert "山田 太郎" in client.get(f"/moderation/submissions/{s}").get_data(as_text=True)
    assert client.post(f"/moderation/submissions/{s}/claim",
                       data={"csrf_token": csrf_token(client, "/moderation")}).status_code == 303
    assert _post(client, f"/moderation/opinions/{o}/decide").status_code == 303
    with app.app_context():
        assert db.session.get(Submission, s).claimed_by_id == mod_id
        assert db.session.get(Opinion, o).state == "accepted"


def test_can_moderate_and_the_list_condition_agree(ctx, periods, make_user):
    """``can_moderate`` guards each page, ``moderated_by`` each list: they must say the same."""
    users = [make_user("admin"), make_user("moderator"), make_user("moderator", department=OURS),
             make_user("moderator", department=THEIRS), make_user("moderator", department="観光政策課"),
             make_user("staff", department=OURS), make_user("staff"), make_user("citizen"),
             make_user("staff", "moderator", department=THEIRS)]
    every = db.session.scalars(select(CommentPeriod)).all()
    seen = set()
    for ident in users:
        actor = user(ident)
        listed = set(db.session.scalars(select(CommentPeriod.id).where(CommentPeriod.moderated_by(actor))))
        assert listed == {p.id for p in every if p.can_moderate(actor)}, actor.email
        seen.add(frozenset(listed))
    assert len(seen) >= 4  # all, ours, theirs, none: the users really differ
    assert not CommentPeriod.can_moderate(every[0], None)


def test_the_daily_digest_tells_each_moderator_only_of_their_departments_periods(ctx, periods, make_user,
                                                                                mailbox, run_jobs):
    make_user("moderator", email="ours@example.jp", department=OURS)
    make_user("moderator", email="theirs@example.jp", department=THEIRS)
    make_user("moderator", email="nowhere@example.jp", department="観光政策課")
    make_user("moderator", email="city@example.jp")
    assert tasks.send_daily_digest((utcnow() + timedelta(minutes=1)).isoformat()) == 3
    db.session.commit()
    dispatch()
    run_jobs()
    bodies = {message["To"]: message.get_content() for message in mailbox}
    assert sorted(bodies) == ["city@example.jp", "ours@example.jp", "theirs@example.jp"]
    assert "まちづくりの意見募集" in bodies["ours@example.jp"] and "財政の意見募集" not in bodies["ours@example.jp"]
    assert "過去24時間の新しい提出：1件" in bodies["ours@example.jp"]
    assert "財政の意見募集" in bodies["theirs@example.jp"] and "まちづくり" not in bodies["theirs@example.jp"]
    assert "まちづくりの意見募集" in bodies["city@example.jp"] and "財政の意見募集" in bodies["city@example.jp"]
