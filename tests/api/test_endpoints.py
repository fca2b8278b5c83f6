"""The JSON, CSV and feeds: shapes, paging, filters, bad input, caching headers and CORS."""

import csv
import io
import re
from datetime import datetime
from xml.etree import ElementTree as ET

import pytest

ATOM = "{http://www.w3.org/2005/Atom}"
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")


def test_plan_detail_has_its_timeline_periods_and_workshops(client, city):
    data = client.get(f"/api/v1/plans/{city['plan']}").get_json()
    assert data["id"] == city["plan"] and data["title"].startswith("PUBLICPLAN")
    kinds = {entry["kind"] for entry in data["timeline"]}
    assert kinds == {"period", "result", "workshop"}
    assert sorted(p["id"] for p in data["periods"]) == sorted(city["public_periods"])
    assert sorted(w["id"] for w in data["workshops"]) == sorted(city["public_workshops"])
    assert ISO_WITH_OFFSET.match(data["updated_at"]) and ISO_WITH_OFFSET.match(data["timeline"][0]["starts_at"])


def test_periods_are_filtered_by_state(client, city):
    def ids(state):
        return [p["id"] for p in client.get(f"/api/v1/periods?state={state}").get_json()["data"]]

    assert ids("published") == [city["result"]]
    assert ids("closed") == [city["closed"]]
    assert ids("open") == [city["open"]]
    assert ids("upcoming") == []
    everything = client.get("/api/v1/periods").get_json()
    assert [p["id"] for p in everything["data"]] == sorted(city["public_periods"])
    published = everything["data"][0]
    assert published["links"]["result"].endswith(f"/api/v1/periods/{city['result']}/result")
    assert [p["links"]["result"] for p in everything["data"][1:]] == [None, None]


def test_period_detail_has_documents_and_sections(client, city):
    data = client.get(f"/api/v1/periods/{city['open']}").get_json()
    assert data["state"] == "open" and data["plan"]["id"] == city["plan"]
    assert [s["title"] for s in data["sections"]] == ["計画の背景", "計画の趣旨", "計画の期間"]
    assert data["documents"] == []
    assert datetime.fromisoformat(data["opens_at"]) < datetime.fromisoformat(data["closes_at"])


def test_result_groups_published_opinions_by_section_with_their_answers(client, city):
    data = client.get(f"/api/v1/periods/{city['result']}/result").get_json()
    assert [s["section"] for s in data["sections"]] == ["第1章 1 計画の背景", "第1章 2 計画の趣旨"]
    first = data["sections"][0]["opinions"][0]
    assert first["number"] == 1 and first["category"] == "A" and first["category_label"]
    assert first["response_text"] == "PUBLICANSWER です。" and "<p>" in first["response_html"]
    assert data["draft_published_on"] == "2025-10-06"
    assert data["links"]["csv"].endswith(f"/api/v1/periods/{city['result']}/result.csv")


def test_result_before_publication_is_a_clear_problem(client, city):
    response = client.get(f"/api/v1/periods/{city['closed']}/result")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("#result_not_published") and "not been published" in problem["detail"]
    assert client.get(f"/api/v1/periods/{city['closed']}/result.csv").status_code == 404


def test_result_csv_has_a_bom_and_the_published_rows(client, city):
    response = client.get(f"/api/v1/periods/{city['result']}/result.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["番号", "該当箇所", "意見の概要"] and len(rows) == 1 + 3


@pytest.mark.parametrize("path", ["/api/v1/plans.csv", "/api/v1/periods.csv", "/api/v1/workshops.csv"])
def test_list_csvs_have_a_bom_and_one_row_per_item(client, city, path):
    response = client.get(path)
    assert response.data.startswith(b"\xef\xbb\xbf") and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "id"
    expected = {"/api/v1/plans.csv": 1, "/api/v1/periods.csv": 3, "/api/v1/workshops.csv": 3}[path]
    assert len(rows) == 1 + expected


def test_workshop_has_its_report_only_once_published(client, city):
    reported = client.get(f"/api/v1/workshops/{city['reported']}").get_json()
    assert reported["report"]["summary_html"] == "<p>PUBLICREPORTSUMMARY</p>"
    assert reported["report"]["participants"] == 1
    assert reported["report"]["groups"][0]["notes"] == [{"kind": "アイデア", "text": "PUBLICNOTE", "votes": 3}]
    assert client.get(f"/api/v1/workshops/{city['held']}").get_json()["report"] is None


def test_lists_are_paged_with_links(client, city):
    first = client.get("/api/v1/periods?per_page=2").get_json()
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    second = client.get("/api/v1/periods?per_page=2&page=2").get_json()
    assert len(second["data"]) == 1 and second["links"]["next"] is None and "page=1" in second["links"]["prev"]
    beyond = client.get("/api/v1/workshops?page=50").get_json()
    assert beyond["data"] == [] and beyond["meta"]["total"] == 3


def test_huge_page_sizes_are_capped(client, city):
    data = client.get("/api/v1/plans?per_page=999999").get_json()
    assert data["meta"]["per_page"] == 100


@pytest.mark.parametrize(("query", "parameter"), [
    ("page=0", "page"), ("page=abc", "page"), ("page=-1", "page"), ("page=1.5", "page"), ("per_page=", "per_page"),
    ("per_page=99999999999999999999", "per_page"), ("page=100001", "page"), ("state=draft", "state"),
    ("state=", "state"),
])
def test_malformed_query_parameters_are_problems(client, query, parameter):
    response = client.get(f"/api/v1/periods?{query}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400 and problem["parameter"] == parameter and parameter in problem["detail"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/v1/nothing-here", 404), ("GET", "/api/v1/periods/abc", 404),
    ("GET", "/api/v1/plans/99999999999999999999", 404), ("POST", "/api/v1/periods", 405),
    ("DELETE", "/api/v1/plans/1", 405),
])
def test_errors_under_api_are_problem_json(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == status
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_etag_and_last_modified_give_304(client, city):
    first = client.get(f"/api/v1/periods/{city['result']}/result")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Last-Modified"]
    again = client.get(f"/api/v1/periods/{city['result']}/result", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get(f"/api/v1/periods/{city['result']}/result",
                       headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get(f"/api/v1/periods/{city['result']}/result", headers={"If-None-Match": 'W/"other"'})
    assert other.status_code == 200


def test_cors_is_open_for_reading(client, city):
    response = client.get("/api/v1/plans", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/plans", headers={"Origin": "https://example.org",
                                                          "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and "GET" in preflight.headers["Access-Control-Allow-Methods"]


def _atom(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314  (our own feed, in a test)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "summary"):
            assert entry.find(f"{ATOM}{tag}").text, tag
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    return feed


def test_feed_of_opened_periods_is_valid_atom(client, city):
    feed = _atom(client, "/feeds/periods.atom")
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    # Opened ones only (all three public periods have opened), latest opening first.
    assert titles[0].startswith("PUBLICOPENPERIOD") and len(titles) == 3


def test_feed_of_published_results_is_valid_atom(client, city):
    feed = _atom(client, "/feeds/results.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}link[@rel='alternate']").get("href").endswith(f"/periods/{city['result']}/result")


@pytest.mark.parametrize(("page", "feeds"), [
    ("/", {"/feeds/periods.atom", "/feeds/results.atom"}),
    ("/periods", {"/feeds/periods.atom"}),
    ("/results", {"/feeds/results.atom"}),
])
def test_public_lists_link_their_feeds(client, page, feeds):
    html = client.get(page).get_data(as_text=True)
    linked = set(re.findall(r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)"', html))
    assert linked == feeds
