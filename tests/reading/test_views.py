"""The furigana switch on public pages and the city dictionary staff keep."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.reading.models import ReadingEntry
from tests.conftest import csrf_token


@pytest.fixture
def cached(app):
    cache = app.extensions["meyasu_page_cache"]
    saved = app.config["PUBLIC_PAGE_CACHE_SECONDS"]
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 60
    cache.entries.clear()
    yield cache
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = saved
    cache.entries.clear()


def test_the_switch_adds_readings_and_links_keep_it(client, make_plan):
    make_plan(title="下関市市民活動促進基本計画")
    plain = client.get("/plans").get_data(as_text=True)
    assert "<ruby>" not in plain and 'href="/plans?furigana=1"' in plain
    html = client.get("/plans?furigana=1").get_data(as_text=True)
    assert "<ruby>計画<rt>けいかく</rt></ruby>" in html or "<ruby>基本計画<rt>きほんけいかく</rt></ruby>" in html
    assert 'href="/?furigana=1"' in html  # the menu keeps readings on
    assert 'class="furigana-switch" href="/plans"' in html  # and the switch turns them off
    assert "ふりがな" in html


def test_english_pages_keep_their_english_text_plain(client):
    client.get("/language?lang=en&next=/")
    html = client.get("/?furigana=1").get_data(as_text=True)
    assert "Show furigana" not in html and "Hide furigana" in html
    assert "<ruby>" not in html.split('class="site-nav"')[1].split("</nav>")[0]


def test_cached_pages_never_mix_the_two_versions(client, cached, make_plan):
    make_plan(title="市民活動の計画")
    with_readings = client.get("/plans?furigana=1")
    plain = client.get("/plans")
    assert "<ruby>" in with_readings.get_data(as_text=True)
    assert "<ruby>" not in plain.get_data(as_text=True)
    again = client.get("/plans?furigana=1")
    assert again.headers.get("X-Page-Cache") == "hit"
    assert again.get_data(as_text=True).count("<ruby>") == with_readings.get_data(as_text=True).count("<ruby>")
    assert "<ruby><ruby>" not in again.get_data(as_text=True)


def test_admin_adds_a_word_and_pages_read_it_so(app, client, login_as, make_plan):
    make_plan(title="下関の計画")
    client, _user = login_as("admin")
    response = client.post("/admin/readings", data={"surface": "下関", "reading": "シモノセキ", "note": "地名",
                                                    "csrf_token": csrf_token(client, "/admin/readings")})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(ReadingEntry.reading).where(ReadingEntry.surface == "下関")) == "しものせき"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/readings")})
    assert "<ruby>下関<rt>しものせき</rt></ruby>" in app.test_client().get("/plans?furigana=1").get_data(as_text=True)


@pytest.mark.parametrize(("reading", "message"), [("shimonoseki", "hiragana only"), ("", "in hiragana")])
def test_a_reading_not_in_hiragana_is_refused_and_nothing_is_kept(app, login_as, reading, message):
    client, _user = login_as("admin")
    response = client.post("/admin/readings", data={"surface": "下関", "reading": reading,
                                                    "csrf_token": csrf_token(client, "/admin/readings")})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True) or "ひらがな" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ReadingEntry.id)) is None


def test_only_admins_edit_the_dictionary(login_as):
    client, _user = login_as("staff")
    assert client.get("/admin/readings").status_code == 403
