"""The queue: Japanese search, filters, counts per state, oldest first, and claims that do not collide."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, inspect, select

from app.accounts.models import User
from app.core.timeutil import jst_today
from app.extensions import db
from app.moderation import services
from app.moderation.models import SearchDocument, SearchGram
from app.moderation.services import ModerationError, QueueFilters
from app.periods.models import CommentPeriod
from app.submissions.models import Submission
from tests.moderation.conftest import get, user


def found(filters, actor):
    return [s.id for s in db.session.scalars(services.queue_query(filters, actor))]


def test_search_finds_japanese_words_inside_sentences(ctx, make_period, make_submission, moderator):
    period_id = make_period()
    center = make_submission(period_id, "市民活動センターの開館時間を延ばしてほしいです。")
    parking = make_submission(period_id, "駐車場が少ないので、センターに車で行きにくい。")
    english = make_submission(period_id, "Please add English pages to the NPO guide.")
    mod = user(moderator())
    services.ensure_indexed()
    assert found(QueueFilters(q="開館時間"), mod) == [center]
    assert set(found(QueueFilters(q="センター"), mod)) == {center, parking}
    assert found(QueueFilters(q="ｾﾝﾀｰ"), mod) == found(QueueFilters(q="センター"), mod)  # half-width kana
    assert found(QueueFilters(q="ＮＰＯ"), mod) == [english]
    assert found(QueueFilters(q="npo guide"), mod) == [english]
    assert found(QueueFilters(q="車"), mod) == [parking]  # one character: substring only
    trip = make_submission(period_id, "東京から京都へ行く")
    services.ensure_indexed()
    # Both bigrams of 東京都 occur in that text, but not together: the substring check rules it out.
    assert found(QueueFilters(q="東京都"), mod) == []
    assert found(QueueFilters(q="京都"), mod) == [trip]


def test_a_deleted_submission_takes_its_search_rows_with_it(ctx, make_period, make_submission, moderator):
    """The bigram rows have no foreign key of their own (checking one on each row was half of what writing
    them cost PostgreSQL): a trigger on their document's delete, which the submission's cascades to,
    removes them, one submission or many at once."""
    assert inspect(db.session.connection()).get_foreign_keys("submission_search_grams") == []
    period_id, other_period = make_period(), make_period()
    gone, kept = make_submission(period_id, "市民活動センター"), make_submission(period_id, "市民の声")
    elsewhere = make_submission(other_period, "市民会館")
    services.ensure_indexed()

    def indexed(model) -> set[int]:
        return set(db.session.scalars(select(model.submission_id).distinct()))

    db.session.execute(delete(Submission).where(Submission.id == gone))
    assert indexed(SearchDocument) == indexed(SearchGram) == {kept, elsewhere}
    assert set(found(QueueFilters(q="市民"), user(moderator()))) == {kept, elsewhere}
    db.session.execute(delete(Submission).where(Submission.period_id == period_id))
    assert indexed(SearchDocument) == indexed(SearchGram) == {elsewhere}


def test_search_indexes_unindexed_submissions_lazily_and_never_across_entries(ctx, make_period, make_submission,
                                                                             moderator):
    period_id = make_period()
    sub_id = make_submission(period_id, "公民館の予約", "方法を改善してほしい。")
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 0
    assert services.ensure_indexed() == 1
    assert services.ensure_indexed() == 0
    mod = user(moderator())
    assert found(QueueFilters(q="予約方法"), mod) == []
    assert found(QueueFilters(q="予約"), mod) == [sub_id]
    submission = get(Submission, sub_id)
    submission.entries[1].body = "手続きを改善してほしい。"
    services.index_submission(submission)
    assert found(QueueFilters(q="手続き"), mod) == [sub_id]
    assert found(QueueFilters(q="方法"), mod) == []


def test_queue_filters_counts_and_oldest_first(ctx, make_period, make_submission, make_tag, moderator):
    period_id, other_id = make_period(), make_period(title="別の意見募集")
    old = make_submission(period_id, "古い提出", received_days_ago=10, channel="fax")
    new = make_submission(period_id, "新しい提出", received_days_ago=1, section_index=2)
    elsewhere = make_submission(other_id, "他の期間の提出", received_days_ago=5)
    mod, other = user(moderator()), user(moderator())
    assert found(QueueFilters(), mod) == [old, elsewhere, new]
    assert found(QueueFilters(period_id=period_id), mod) == [old, new]
    assert found(QueueFilters(channel="fax"), mod) == [old]
    section_id = get(Submission, new).entries[0].section_id
    assert found(QueueFilters(section_id=section_id), mod) == [new]
    today = jst_today()
    assert found(QueueFilters(received_from=today - timedelta(days=6), received_to=today), mod) == [elsewhere, new]
    services.claim_submission(get(Submission, old), other)
    assert found(QueueFilters(claim="others"), mod) == [old]
    assert found(QueueFilters(claim="mine"), other) == [old]
    assert found(QueueFilters(claim="unclaimed"), mod) == [elsewhere, new]
    opinion = services.create_opinion(get(Submission, old), other, excerpt="古い提出",
                                      tag_ids=[make_tag(period_id, "交通")])
    assert found(QueueFilters(tag_id=opinion.tags[0].id), mod) == [old]
    assert services.state_counts(QueueFilters(period_id=period_id, state="new"), mod) == {
        "new": 1, "in_progress": 1, "done": 0, "open": 2}
    assert found(QueueFilters(period_id=period_id, state="in_progress"), mod) == [old]


@pytest.mark.services
def test_two_moderators_claiming_at_once_get_one_claim(app, committing_db, make_period, make_submission, make_user):
    period_id = make_period()
    sub_id = make_submission(period_id)
    ids = [make_user("moderator"), make_user("moderator")]
    barrier = threading.Barrier(2)
    outcomes = []

    def claim(user_id):
        with app.app_context():
            submission = db.session.get(Submission, sub_id)
            actor = db.session.get(User, user_id)
            barrier.wait()
            try:
                services.claim_submission(submission, actor)
                db.session.commit()
                outcomes.append("won")
            except ModerationError as error:
                db.session.rollback()
                outcomes.append(error.code)

    threads = [threading.Thread(target=claim, args=(user_id,)) for user_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["claimed_by_other", "won"]
    with app.app_context():
        assert db.session.get(Submission, sub_id).claimed_by_id in ids


def test_a_new_submission_is_indexed_by_the_recurring_job_not_by_the_transaction_that_creates_it(
        ctx, make_period, moderator):
    from app.moderation.tasks import SCHEDULE, index_new
    from app.submissions import services as submissions
    from app.submissions.services import Entry, Received, Submitter

    period = db.session.get(CommentPeriod, make_period())
    created = submissions.create_submission(
        period, Received(Submitter(name="下関 花子"), [Entry("ふくふくサポートの開館時間を延ばしてください。")]),
        channel="fax", received_at=period.opens_at, idempotency_key="k" * 24)
    # The send (or the desk's entry) writes no index: the job does, every ten seconds.
    assert db.session.get(SearchDocument, created.id) is None
    assert any(entry.func is index_new and entry.interval for entry in SCHEDULE)
    assert index_new() == 1
    assert db.session.get(SearchDocument, created.id) is not None
    assert index_new() == 0
    assert found(QueueFilters(q="開館時間"), user(moderator())) == [created.id]


def test_a_batch_of_new_submissions_is_indexed_whole(ctx, make_period, moderator):
    """An import's rows, or a few seconds of sends: every row's grams are written, none mixed up."""
    from app.moderation.tasks import index_new
    from app.submissions import services as submissions
    from app.submissions.services import Entry, Received, Submitter

    period = db.session.get(CommentPeriod, make_period())
    created = [submissions.create_submission(
        period, Received(Submitter(name="一括 入力"), [Entry(f"第{n}号の意見：バス路線の再編と運賃の見直しについて、"
                                                            f"郊外の停留所{n}番を残してください。")]),
        channel="post", received_at=period.opens_at, idempotency_key=f"batch-key-{n:04d}-abcdefghij", flush=False)
        for n in range(40)]
    db.session.flush()
    assert index_new() == 40
    assert db.session.scalar(select(func.count(func.distinct(SearchGram.submission_id)))) == 40
    mod = user(moderator())
    assert found(QueueFilters(q="停留所39番"), mod) == [created[-1].id]
    assert found(QueueFilters(q="停留所0番"), mod) == [created[0].id]


def test_a_batch_that_meets_a_submission_indexed_meanwhile_indexes_the_others_one_by_one(
        ctx, make_period, make_submission, moderator, monkeypatch):
    from app.moderation.services import search

    period_id = make_period()
    first = make_submission(period_id, "バス停の屋根をつけてほしい。")
    others = [make_submission(period_id, f"公園{n}番のベンチを増やしてほしい。") for n in range(3)]
    services.index_submission(get(Submission, first))
    # As if another search (or the job) indexed ``first`` between this batch's read and its insert.
    monkeypatch.setattr(search, "unindexed_query", lambda: select(Submission.id))
    assert services.ensure_indexed() == 3
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 4
    mod = user(moderator())
    assert found(QueueFilters(q="公園2番"), mod) == [others[2]]
    assert found(QueueFilters(q="屋根"), mod) == [first]


def test_a_web_send_is_found_by_the_moderators_search_before_the_job_has_indexed_it(app, client, make_period,
                                                                                   login_as):
    from tests.submissions.conftest import opinion, receipt_of, submit

    period_id = make_period()
    sent = submit(client, period_id, opinion(body="ふくふくサポートの開館時間を夜9時まで延ばしてください。"))
    assert sent.status_code == 303
    receipt, _code, _html = receipt_of(client, sent)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 0  # the send wrote none
    moderator_client, _ = login_as("moderator")
    page = moderator_client.get("/moderation/queue?q=開館時間").get_data(as_text=True)
    assert receipt in page
    assert receipt not in moderator_client.get("/moderation/queue?q=駐車場").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 1  # the search indexed it
