"""The moderation pages show a page of each list and count the rest in SQL: the groups of a period,
a group's members, one's claims on the dashboard, the groups offered on an opinion's page, the queue's
total (read from its counts per state)."""

from app.extensions import db
from app.moderation import services
from app.moderation.models import OpinionGroup
from app.moderation.services.stats import period_groups
from app.moderation.views import periods, queue
from app.submissions.models import Submission
from tests.moderation.conftest import get, user


def _groups(app, period_id, make_opinion, sizes):
    ids = []
    with app.app_context():
        for n in range(len(sizes)):
            group = OpinionGroup(period_id=period_id, title=f"グループ{n}")
            db.session.add(group)
            db.session.commit()
            ids.append(group.id)
    for group_id, size in zip(ids, sizes, strict=True):
        for _ in range(size):
            make_opinion(period_id, state="accepted", group=group_id)
    return ids


def test_the_groups_of_a_period_are_listed_a_page_at_a_time_with_their_sizes(app, login_as, make_period,
                                                                             make_opinion, monkeypatch):
    period_id = make_period()
    _groups(app, period_id, make_opinion, [2, 3, 1])
    monkeypatch.setattr(periods, "GROUPS_PER_PAGE", 2)
    client, _ = login_as("moderator")
    first = client.get(f"/moderation/periods/{period_id}/groups").get_data(as_text=True)
    second = client.get(f"/moderation/periods/{period_id}/groups?page=2").get_data(as_text=True)
    assert "グループ0" in first and "同様の意見 2件" in first and "グループ1" in first and "同様の意見 3件" in first
    assert "グループ2" not in first and 'rel="next"' in first
    assert "グループ2" in second and "同様の意見 1件" in second and "グループ0" not in second
    opinions = client.get(f"/moderation/periods/{period_id}/opinions").get_data(as_text=True)
    assert "3件のグループを見る" in opinions and "グループ1</a> ·" not in opinions


def test_a_group_shows_its_members_a_page_at_a_time(app, login_as, make_period, make_opinion, monkeypatch):
    period_id = make_period()
    (group_id,) = _groups(app, period_id, make_opinion, [3])
    monkeypatch.setattr(periods, "MEMBERS_PER_PAGE", 2)
    client, _ = login_as("moderator")
    first = client.get(f"/moderation/groups/{group_id}").get_data(as_text=True)
    second = client.get(f"/moderation/groups/{group_id}?page=2").get_data(as_text=True)
    assert "同様の意見 3件" in first and first.count("/moderation/opinions/") == 2
    assert second.count("/moderation/opinions/") == 1


def test_the_dashboard_lists_a_page_of_ones_claims_and_links_to_the_rest(app, login_as, make_period,
                                                                        make_submission, monkeypatch):
    period_id = make_period()
    client, user_id = login_as("moderator")
    ids = [make_submission(period_id, "駐車場を広げてほしい。") for _ in range(3)]
    with app.app_context():
        for sub_id in ids:
            services.claim_submission(get(Submission, sub_id), user(user_id))
        db.session.commit()
        receipts = [get(Submission, sub_id).receipt_no for sub_id in ids]
    monkeypatch.setattr(queue, "MINE_SHOWN", 2)
    html = client.get("/moderation").get_data(as_text=True)
    assert sum(receipt in html for receipt in receipts) == 2
    assert "担当している提出 全3件" in html and "claim=mine" in html


def test_an_opinions_page_offers_the_newest_groups_only(app, ctx, make_period, make_opinion):
    period_id = make_period()
    ids = _groups(app, period_id, make_opinion, [1, 1, 1, 0])
    assert [g.id for g in period_groups(period_id)] == ids[:3]  # the empty group is not offered
    assert [g.id for g in period_groups(period_id, 2)] == ids[1:3]


def test_the_queue_total_is_read_from_the_counts_per_state(app, login_as, make_period, make_submission):
    period_id = make_period()
    client, user_id = login_as("moderator")
    ids = [make_submission(period_id, f"提出{n}") for n in range(3)]
    with app.app_context():
        services.claim_submission(get(Submission, ids[0]), user(user_id))
        db.session.commit()
    assert "3件（受付の古い順）" in client.get(f"/moderation/queue?period={period_id}&state=").get_data(as_text=True)
    assert "2件（受付の古い順）" in client.get(f"/moderation/queue?period={period_id}&state=new").get_data(as_text=True)
    assert "は3件です" in client.get(f"/moderation/queue?period={period_id}").get_data(as_text=True)  # open
    searched = client.get(f"/moderation/queue?period={period_id}&state=in_progress&q=提出").get_data(as_text=True)
    assert "1件（受付の古い順）" in searched
    nothing = client.get(f"/moderation/queue?period={period_id}&state=&q=存在しない語句").get_data(as_text=True)
    assert "0件（受付の古い順）" in nothing
