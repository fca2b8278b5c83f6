"""Every endpoint and page of the open data, walked through every page of every list, carries the
published text and none of the markers seeded in personal, withheld, redacted or unpublished fields."""

import json
from urllib.parse import urlsplit

from tests.api.conftest import PUBLISHED, SECRETS

LISTS = ("/api/v1/plans", "/api/v1/periods", "/api/v1/workshops")
STATES = ("upcoming", "open", "closed", "published")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def walk(client, city) -> dict[str, str]:
    """Path -> body of everything the API serves about this city, following each list page by page."""
    seen: dict[str, str] = {}

    def fetch(path: str) -> str:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        seen[path] = response.get_data(as_text=True)
        return seen[path]

    starts = [f"{base}?per_page=1" for base in LISTS] + [f"/api/v1/periods?state={s}&per_page=1" for s in STATES]
    for start in starts:
        path = start
        while path:
            page = json.loads(fetch(path))
            for item in page["data"]:
                for key in ("self", "result", "report"):
                    if item["links"].get(key):
                        fetch(_path(item["links"][key]))
            path = _path(page["links"]["next"]) if page["links"]["next"] else None
    every_period = city["public_periods"] + city["hidden_periods"]
    for period_id in every_period:
        for suffix in ("", "/result", "/result.csv", "/heard"):
            fetch(f"/api/v1/periods/{period_id}{suffix}")
    for plan_id in [city["plan"], *city["hidden_plans"]]:
        fetch(f"/api/v1/plans/{plan_id}")
    for workshop_id in city["public_workshops"] + city["hidden_workshops"]:
        fetch(f"/api/v1/workshops/{workshop_id}")
    for path in ("/api/v1/plans.csv", "/api/v1/periods.csv", "/api/v1/workshops.csv", "/api/v1/openapi.json",
                 "/api/v1/docs", "/feeds/periods.atom", "/feeds/results.atom",
                 *(f"/api/v1/periods.csv?state={s}" for s in STATES)):
        fetch(path)
    return seen


def test_no_endpoint_carries_anything_unpublished_or_personal(client, city):
    seen = walk(client, city)
    leaks = {path: [m for m in SECRETS if m in body] for path, body in seen.items()}
    assert {path: found for path, found in leaks.items() if found} == {}
    everything = "\n".join(seen.values())
    assert [m for m in PUBLISHED if m not in everything] == []
    # The walk reached the details through the lists' links, not only through the ids it was given.
    assert f"/api/v1/periods/{city['result']}/result" in seen
    assert f"/api/v1/workshops/{city['reported']}" in seen


def test_the_result_shows_the_redaction_and_the_group_and_only_counts_the_withheld(client, city):
    data = client.get(f"/api/v1/periods/{city['result']}/result").get_json()
    opinions = [row for section in data["sections"] for row in section["opinions"]]
    texts = [row["opinion"] for row in opinions]
    assert "連絡先 ■■■ まで" in texts and "PUBLICSUMMARY" in texts
    assert [row["similar"] for row in opinions if row["opinion"] == "PUBLICGROUPED"] == [2]
    assert data["counts"]["withheld"] == 2
    assert {row["reason"]: row["opinions"] for row in data["counts"]["withheld_by_reason"]} == {
        "third_party": 1, "unrelated": 1}
    # The snapshot taken at publication: what came in later is not counted.
    assert (data["counts"]["submitters"], data["counts"]["opinions"], data["counts"]["published"]) == (5, 6, 4)


def test_unpublished_things_answer_exactly_like_unknown_ones(client, city):
    def body(path):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        return {key: value for key, value in response.get_json().items() if key != "instance"}

    unknown = body("/api/v1/periods/999999")
    for period_id in city["hidden_periods"]:
        assert body(f"/api/v1/periods/{period_id}") == unknown
        assert body(f"/api/v1/periods/{period_id}/result") == unknown
        assert body(f"/api/v1/periods/{period_id}/result.csv") == unknown
    assert body(f"/api/v1/plans/{city['hidden_plans'][0]}") == body("/api/v1/plans/999999")
    for workshop_id in city["hidden_workshops"]:
        assert body(f"/api/v1/workshops/{workshop_id}") == body("/api/v1/workshops/999999")
