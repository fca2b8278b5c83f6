"""The plan's page: every kind of step in date order, いまここ on the one under way, past steps linking
to their outcome, dates in 和暦; and the same steps in the API and the plan's Atom feed."""

import re
from datetime import timedelta
from xml.etree import ElementTree as ET

from app.core.timeutil import utcnow
from app.plans.services import TimelineEntry, current_step

ATOM = "{http://www.w3.org/2005/Atom}"


def _step(kind, start_days, end_days=None):
    now = utcnow()
    return TimelineEntry(kind, kind, now + timedelta(days=start_days),
                         None if end_days is None else now + timedelta(days=end_days), "/", "")


def test_the_current_step_is_the_one_under_way_begun_last():
    period, workshop, later = _step("period", -10, 20), _step("workshop", -0.1, 0.1), _step("council", 5, 5.1)
    assert current_step([period, workshop, later], utcnow()) is workshop
    assert current_step([period, later], utcnow()) is period


def test_between_steps_the_current_one_is_the_last_reached_and_none_before_the_first():
    held, coming = _step("council", -30, -29.9), _step("period", 10, 40)
    assert current_step([held, coming], utcnow()) is held
    assert current_step([coming], utcnow()) is None


def _process(make_plan, make_workshop, make_meeting, make_period):
    plan_id = make_plan("流れを示す計画")
    now = utcnow()
    make_workshop(plan_id=plan_id, title="策定説明会", kind="briefing", starts_at=now - timedelta(days=40),
                  ends_at=now - timedelta(days=40) + timedelta(hours=2), signup_opens_at=now - timedelta(days=60),
                  signup_closes_at=now - timedelta(days=41))
    make_meeting(plan_id=plan_id, number=1, starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=20) +
                 timedelta(hours=2), minutes_text="素案を了承しました。")
    make_period(plan_id=plan_id, title="素案への意見募集", state="open")
    make_meeting(plan_id=plan_id, number=2)
    make_meeting(plan_id=plan_id, number=3, publish=False)
    return plan_id


def test_plan_page_lists_every_kind_in_date_order_with_here_on_the_open_period(
        client, make_plan, make_workshop, make_meeting, make_period):
    plan_id = _process(make_plan, make_workshop, make_meeting, make_period)
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    kinds = re.findall(r'<span class="step-kind">([^<]+)</span>', html)
    assert kinds == ["説明会", "審議会", "パブリックコメント", "審議会"]
    assert "第3回" not in html  # a draft meeting is not a public step
    current = re.findall(r'<li class="[^"]*" aria-current="step">(.*?)</li>', html, re.S)
    assert len(current) == 1 and "素案への意見募集" in current[0] and "いまここ" in current[0]
    assert '<a href="/council/meetings/' in html and "#minutes" in html and "会議録を読む" in html
    assert re.search(r"令和\d+年\d+月\d+日", html)


def test_plan_page_in_english_says_you_are_here(client, make_plan, make_workshop, make_meeting, make_period):
    plan_id = _process(make_plan, make_workshop, make_meeting, make_period)
    client.get("/language", query_string={"lang": "en", "next": "/"})
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "<strong>You are here</strong>" in html and "いまここ" not in html
    assert '<span class="step-kind">Briefing session</span>' in html and "Reiwa" in html  # the era in English too


def test_api_plan_carries_the_timeline_and_members_without_contact(
        app, client, make_plan, make_workshop, make_meeting, make_period, login_as):
    plan_id = _process(make_plan, make_workshop, make_meeting, make_period)
    data = client.get(f"/api/v1/plans/{plan_id}").get_json()
    kinds = [entry["kind"] for entry in data["timeline"]]
    assert kinds == ["briefing", "council", "period", "council"]
    assert [entry["current"] for entry in data["timeline"]] == [False, False, True, False]
    assert data["timeline"][1]["result_url"].endswith("#minutes")
    assert data["timeline"][0]["result_url"] is None
    assert data["council_members"] == []


def test_plan_feed_has_one_entry_per_step_latest_first(client, make_plan, make_workshop, make_meeting, make_period):
    plan_id = _process(make_plan, make_workshop, make_meeting, make_period)
    response = client.get(f"/feeds/plans/{plan_id}.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314  (our own feed, in a test)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert titles[-1] == "策定説明会" and titles[0].startswith("第") and len(titles) == 4
    summaries = " ".join(entry.find(f"{ATOM}summary").text for entry in feed.findall(f"{ATOM}entry"))
    assert "いまこの段階です。" in summaries and "#minutes" in summaries


def test_plan_feed_of_a_draft_plan_is_not_found(client, make_plan):
    assert client.get(f"/feeds/plans/{make_plan(published=False)}.atom").status_code == 404
