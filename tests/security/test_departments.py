"""Moderators work their own department's periods: a moderator of department B, on every page they
may open, sees none of department A's submissions (names, addresses, phones, texts), not even in the
queue's search, the dashboard's counts or a filter naming A's period. The route × role matrix
(test_route_matrix.py) checks that every page and action of A's objects refuses them with 403.
"""

from flask import url_for

from tests.security.conftest import CANARIES
from tests.security.routes import allowed, rule_for, url_values
from tests.security.test_canaries import PRIVATE_LINKS

# What a submission to A and its moderation hold; none of it may reach B's moderator.
SUBMISSION_MARKERS = ("submitter_name", "submitter_address", "submitter_email", "submitter_phone",
                      "submission_body", "opinion_excerpt", "pending_summary", "withheld_summary", "withhold_note",
                      "redacted", "group_title", "tag", "attachment_name")
# The moderation pages that list periods and submissions, with A's period named and A's words searched.
LISTS = ("/moderation", "/moderation/queue", "/moderation/queue?q=市民活動センター",
         "/moderation/queue?period={period}", "/moderation/queue?period={period}&state=new",
         "/moderation/queue?claim=unclaimed&q=開館時間")


def _pages(app, ids, role):
    """Every GET page ``role`` may open, built with department A's ids, and the moderation lists
    (a citizen's own secret links are theirs: left out, as in test_canaries.py)."""
    for rule in app.url_map.iter_rules():
        table_rule = rule_for(rule.endpoint)
        if ("GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint in PRIVATE_LINKS
                or not allowed(table_rule, role)):
            continue
        path_values, query = url_values(rule, table_rule, ids)
        with app.test_request_context():
            yield url_for(rule.endpoint, **path_values, **query)
    yield from (url.format(period=ids["a"]["period"]) for url in LISTS)


def _seen(text: str, ids) -> list[str]:
    found = [name for name in SUBMISSION_MARKERS if CANARIES[name].lower() in text.lower()]
    return found + ([f"receipt {ids['a']['receipt']}"] if ids["a"]["receipt"] in text else [])


def test_a_moderator_of_another_department_sees_nothing_of_its_submissions(app, world, clients):
    client = clients["moderator_other"]
    problems, opened = [], 0
    for url in sorted(set(_pages(app, world.ids, "moderator_other"))):
        response = client.get(url)
        opened += response.status_code == 200
        seen = _seen(response.get_data(as_text=True), world.ids)
        if seen:
            problems.append(f"{url}: {seen}")
    assert problems == [], "\n".join(problems)
    assert opened >= 10
    dashboard = client.get("/moderation").get_data(as_text=True)
    assert "B意見募集" in dashboard and "A意見募集" not in dashboard


def test_the_departments_own_moderator_sees_its_submissions_on_the_same_pages(app, world, clients):
    """The net above is not empty: A's moderator finds A's submissions in the queue and its search."""
    client = clients["moderator"]
    a = world.ids["a"]
    for url in ("/moderation/queue", "/moderation/queue?q=市民活動センター", f"/moderation/queue?period={a['period']}"):
        assert a["receipt"] in client.get(url).get_data(as_text=True), url
    page = client.get(f"/moderation/submissions/{a['submission']}").get_data(as_text=True)
    assert CANARIES["submitter_name"] in page
    dashboard = client.get("/moderation").get_data(as_text=True)
    assert "A意見募集" in dashboard and "B意見募集" not in dashboard
