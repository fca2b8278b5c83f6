"""WCAG 3.1.2 (Language of Parts, level AA, and so JIS X 8341-3 AA): on an English page, the city's
Japanese texts (titles, drafts, opinions, answers, venues) carry ``lang="ja"``, so that a screen
reader reads them with a Japanese voice instead of spelling them out in an English one.

Every GET page a visitor, the city's staff and an admin can open is fetched in English and parsed;
every text with kana or kanji must sit inside an element whose nearest ``lang`` is Japanese. axe
cannot see this: it checks that a lang attribute is valid, not that it is there.
"""

from html.parser import HTMLParser

from flask import render_template_string, session, url_for

from app.core.formatting import JAPANESE
from tests.security.conftest import token_for
from tests.security.routes import PUBLIC, rule_for, url_values

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Text no one reads as part of the page: the title is read with the page's language and its
# content cannot carry a lang of its own (WCAG leaves it to the page's language).
UNREAD = {"title", "script", "style"}


class LanguageOfParts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.unmarked: list[str] = []

    def language(self) -> str:
        return next((lang for _, lang in reversed(self.stack) if lang is not None), "")

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("lang")))
        elif tag == "input" and dict(attrs).get("type") in ("submit", "button") and JAPANESE.search(
                dict(attrs).get("value") or "") and not (dict(attrs).get("lang") or self.language()).startswith("ja"):
            self.unmarked.append(dict(attrs)["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if any(tag in UNREAD for tag, _ in self.stack):
            return
        if JAPANESE.search(data) and not self.language().startswith("ja"):
            self.unmarked.append(" ".join(data.split())[:80])


def unmarked_japanese(page: str) -> list[str]:
    parser = LanguageOfParts()
    parser.feed(page)
    parser.close()
    return parser.unmarked


def test_the_checker_finds_unmarked_japanese_and_accepts_marked():
    assert unmarked_japanese('<html lang="en"><body><p>Plan: 下関市総合計画</p></body></html>') == ["Plan: 下関市総合計画"]
    assert unmarked_japanese('<html lang="en"><body><p>Plan: <span lang="ja">下関市総合計画</span></p></body></html>') == []
    assert unmarked_japanese('<html lang="ja"><body><p>下関市</p><br><img alt=""></body></html>') == []
    assert unmarked_japanese('<html lang="en"><head><title>下関市</title></head><body><div lang="ja"><p>案</p></div>'
                             '<p lang="en">市</p></body></html>') == ["市"]


def test_the_filters_mark_japanese_only_on_pages_in_another_language(app):
    template = ('<h1>{{ title|ja_words }}</h1><p>{{ text|ja }}</p><div{{ lang_ja(text) }}></div>'
                '<p>{{ english|ja }}</p><p>{{ english|ja_words }}</p>')
    values = {"title": "Digest: 下関市総合計画 第1章 1 計画の背景 & more", "text": "<計画>", "english": "Plan & <b>"}
    with app.test_request_context():
        assert render_template_string(template, **values) == (
            "<h1>Digest: 下関市総合計画 第1章 1 計画の背景 &amp; more</h1><p>&lt;計画&gt;</p><div></div>"
            "<p>Plan &amp; &lt;b&gt;</p><p>Plan &amp; &lt;b&gt;</p>")
    with app.test_request_context():
        session["lang"] = "en"  # before anything asks for the locale, which is then kept for the request
        assert render_template_string(template, **values) == (
            '<h1>Digest: <span lang="ja">下関市総合計画 第1章 1 計画の背景</span> &amp; more</h1>'
            '<p><span lang="ja">&lt;計画&gt;</span></p><div lang="ja"></div>'
            "<p>Plan &amp; &lt;b&gt;</p><p>Plan &amp; &lt;b&gt;</p>")


def _get_urls(app, ids, roles_rule):
    for rule in app.url_map.iter_rules():
        table_rule = rule_for(rule.endpoint)
        if "GET" not in rule.methods or rule.endpoint == "static" or not roles_rule(table_rule.who):
            continue
        path_values, query = url_values(rule, table_rule, ids, {})
        with app.test_request_context():
            yield url_for(rule.endpoint, **path_values, **query)


def _walk_in_english(client, urls) -> tuple[list[str], int]:
    with client.session_transaction() as session:
        session["lang"] = "en"
    problems, pages = [], 0
    for url in sorted(set(urls)):
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        page = response.get_data(as_text=True)
        assert '<html lang="en">' in page, url
        problems += [f"{url}: {text}" for text in unmarked_japanese(page)]
    return problems, pages


def test_public_pages_in_english_mark_japanese_text(app, world):
    problems, pages = _walk_in_english(app.test_client(), _get_urls(app, world.ids, lambda who: who == PUBLIC))
    assert problems == [], "\n".join(problems)
    assert pages >= 15


def test_staff_pages_in_english_mark_japanese_text(app, world, clients):
    problems, pages = _walk_in_english(clients["admin"], _get_urls(app, world.ids, lambda who: who != PUBLIC))
    assert problems == [], "\n".join(problems)
    assert pages >= 30


def test_the_citizens_confirmation_page_in_english_marks_what_they_wrote(app, world):
    client = app.test_client()
    period_id = world.ids["a"]["period"]
    token = token_for(client)
    with client.session_transaction() as kept:
        kept["lang"] = "en"
    response = client.post(f"/periods/{period_id}/submit/confirm", data={
        "csrf_token": token, "name": "下関 花子", "address": "下関市南部町1-1", "attribute": "resident",
        "consent": "y", "entries-0-section": str(world.ids["a"]["section"]),
        "entries-0-body": "駅前の市民活動センターを夜９時まで開けてください。"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "submit/send" in page, page[:500]
    assert unmarked_japanese(page) == []
    assert '<span lang="ja">駅前の市民活動センターを夜９時まで開けてください。</span>' in page
