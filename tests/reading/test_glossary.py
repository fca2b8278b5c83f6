"""The glossary: the first use of each term on a page links to its explanation, never inside links,
headings or controls, and ふりがな go inside the marked term."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.reading.glossary import Term
from app.reading.models import GlossaryTerm
from app.reading.terms import mark_terms
from tests.conftest import csrf_token

TERMS = (Term(1, "協働", "きょうどう", "いっしょに 働く ことです。"),
         Term(2, "市民活動", "しみんかつどう", "市民が 自分から する 活動です。"),
         Term(3, "市民", "しみん", "まちに 住む 人です。"))


def mark(body: str, lang: str = "ja") -> str:
    page = f'<html lang="{lang}"><head><title>協働</title></head><body><main>{body}</main></body></html>'
    return mark_terms(page, TERMS, href="/glossary", script="/static/js/glossary.js", more="用語集で見る")


def test_first_use_of_each_term_is_marked_once_with_its_explanation():
    html = mark("<p>市の協働と協働。</p><p>協働の計画</p>")
    assert html.count('<dfn class="glossary-term">') == 1
    assert ('<dfn class="glossary-term"><a class="glossary-link" href="/glossary#term-1" '
            'aria-describedby="glossary-note-1">協働</a></dfn>') in html
    assert ('<span class="glossary-note" id="glossary-note-1" lang="ja" hidden>協働（きょうどう）：いっしょに 働く ことです。'
            '</span>と協働。</p><p>協働の計画</p>') in html
    assert '<script src="/static/js/glossary.js" data-more="用語集で見る" defer></script></body>' in html


def test_the_longest_term_wins_and_a_shorter_one_inside_it_is_not_marked():
    html = mark("<p>市民活動の団体と市民。</p>")
    assert 'href="/glossary#term-2" aria-describedby="glossary-note-2">市民活動</a>' in html
    assert 'aria-describedby="glossary-note-3">市民</a>' in html  # the later, separate use of 市民
    assert html.count("glossary-note-3") == 2


@pytest.mark.parametrize("body", [
    '<p><a href="/x">協働の計画</a></p>', "<h2>協働</h2>", '<h2 id="a"><a href="#a">協働</a></h2>',
    '<label for="q">協働</label><input id="q" value="協働">', "<textarea>協働</textarea>",
    "<select><option>協働</option></select>", "<button>協働</button>", "<script>var a = '協働';</script>",
    "<style>/* 協働 */</style>", "<p><dfn>協働</dfn></p>", "<p><abbr>協働</abbr></p>", "<code>協働</code>",
    '<p lang="en">Kyodo 協働</p>',
])
def test_no_markup_inside_links_headings_controls_code_or_existing_terms(body):
    assert mark(body) == mark_terms(f'<html lang="ja"><head><title>協働</title></head><body><main>{body}</main></body></html>',
                                    (), href="", script="", more="")


def test_only_the_main_content_is_marked_and_a_term_skipped_in_a_link_is_marked_later():
    html = mark('<p><a href="/">協働</a></p><p>協働する</p>')
    assert '<a href="/">協働</a>' in html and 'aria-describedby="glossary-note-1">協働</a></dfn>' in html
    outside = mark_terms('<html lang="ja"><body><header>協働</header><main><p>計画</p></main></body></html>', TERMS,
                         href="/glossary", script="/g.js", more="")
    assert "glossary" not in outside  # nothing marked: no script either


def test_japanese_text_on_an_english_page_is_marked_and_english_text_is_not():
    html = mark('<p>Cooperation</p><p><span lang="ja">協働</span></p>', lang="en")
    assert 'aria-describedby="glossary-note-1">協働</a>' in html


@pytest.fixture
def terms(app):
    with app.app_context():
        db.session.add_all([GlossaryTerm(term="協働", reading="きょうどう", explanation="いっしょに 働く ことです。"),
                            GlossaryTerm(term="審議会", reading="しんぎかい", explanation="話し合う 会議です。")])
        db.session.commit()


def test_public_pages_mark_terms_and_furigana_goes_inside(client, terms, make_plan):
    plan = make_plan(title="協働の計画", summary="市民と市の協働を進めます。協働は大切です。")
    html = client.get(f"/plans/{plan}").get_data(as_text=True)
    main = html.split("<main", 1)[1]
    assert main.count('class="glossary-link"') == 1 and "<h1>協働の計画</h1>" in main
    with_readings = client.get(f"/plans/{plan}?furigana=1").get_data(as_text=True)
    assert ('class="glossary-link" href="/glossary?furigana=1#term-' in with_readings)
    assert '><ruby>協働<rt>きょうどう</rt></ruby></a></dfn>' in with_readings
    assert "<ruby><ruby>" not in with_readings


def test_the_glossary_page_lists_every_term_in_reading_order(client, terms):
    html = client.get("/glossary").get_data(as_text=True)
    assert html.index("<dfn>協働</dfn>") < html.index("<dfn>審議会</dfn>")  # きょうどう before しんぎかい
    assert 'class="glossary-link"' not in html  # its own terms are not linked to themselves
    assert "（きょうどう）" in html


def test_staff_pages_are_not_marked(app, terms, login_as, make_plan):
    plan = make_plan(title="協働の計画", summary="協働を進めます。")
    client, _user = login_as("admin")
    assert 'class="glossary-link"' not in client.get(f"/staff/plans/{plan}/edit").get_data(as_text=True)


def test_a_cached_page_keeps_its_terms(app, client, terms, make_plan):
    cache = app.extensions["meyasu_page_cache"]
    saved = app.config["PUBLIC_PAGE_CACHE_SECONDS"]
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 60
    cache.entries.clear()
    try:
        plan = make_plan(summary="協働を進めます。")
        first = client.get(f"/plans/{plan}").get_data(as_text=True)
        again = client.get(f"/plans/{plan}")
        assert again.headers.get("X-Page-Cache") == "hit"
        assert again.get_data(as_text=True).count("glossary-link") == first.count("glossary-link") == 1
    finally:
        app.config["PUBLIC_PAGE_CACHE_SECONDS"] = saved
        cache.entries.clear()


def test_staff_add_a_term_and_see_the_easy_japanese_check(app, login_as):
    client, _user = login_as("staff")
    long_text = "この言葉は、市民と市役所が同じ目的のために力を合わせて一緒に働くことで、とても大切な考え方だと言われています。"
    response = client.post("/staff/glossary", data={"term": "協働", "reading": "キョウドウ", "explanation": long_text,
                                                   "csrf_token": csrf_token(client, "/staff/glossary")})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(GlossaryTerm.reading).where(GlossaryTerm.term == "協働")) == "きょうどう"
    page = client.get("/staff/glossary").get_data(as_text=True)
    assert "1 point for the easy Japanese check" in page or "見直す点1件" in page
    refused = client.post("/staff/glossary", data={"term": "審議会", "reading": "", "explanation": "会議です。",
                                                  "csrf_token": csrf_token(client, "/staff/glossary")})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(GlossaryTerm.id).where(GlossaryTerm.term == "審議会")) is None


@pytest.fixture
def kept_pages(app):
    """The page cache on (the terms are kept with it), emptied before and after."""
    cache = app.extensions["meyasu_page_cache"]
    saved = app.config["PUBLIC_PAGE_CACHE_SECONDS"]
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 60
    cache.entries.clear()
    app.extensions.pop("meyasu_glossary_terms", None)
    yield cache
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = saved
    cache.entries.clear()
    app.extensions.pop("meyasu_glossary_terms", None)


def glossary_queries(app, get) -> tuple[str, int]:
    from sqlalchemy import event

    seen = []

    def note(_conn, _cursor, statement, *_args):
        if "glossary_terms" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        html = get().get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return html, len(seen)


def test_uncached_pages_read_the_terms_once_until_staff_change_them(app, client, terms, make_plan, login_as,
                                                                    kept_pages):
    plan = make_plan(summary="協働を進めます。")
    kept_pages.checked = 0.0  # the generation after make_plan's commit, read now rather than within a second
    # Each query string is a page of its own for the page cache: every one of these is rendered.
    first, read = glossary_queries(app, lambda: client.get(f"/plans/{plan}?n=1"))
    assert read == 1 and "いっしょに 働く ことです。" in first
    again, read = glossary_queries(app, lambda: client.get(f"/plans/{plan}?n=2"))
    assert read == 0 and again.count("glossary-link") == 1
    staff, _user = login_as("staff")
    with app.app_context():
        term_id = db.session.scalar(select(GlossaryTerm.id).where(GlossaryTerm.term == "協働"))
    edit = f"/staff/glossary/{term_id}/edit"
    assert staff.post(edit, data={"term": "協働", "reading": "きょうどう", "explanation": "みんなで 働く ことです。",
                                  "csrf_token": csrf_token(staff, edit)}).status_code == 303
    changed, read = glossary_queries(app, lambda: client.get(f"/plans/{plan}?n=3"))
    assert read == 1 and "みんなで 働く ことです。" in changed and "いっしょに" not in changed


def test_an_edit_made_by_another_process_is_seen_once_its_generation_is_read(app, client, terms, make_plan,
                                                                             kept_pages):
    from sqlalchemy import update

    from app.core.jobs import redis_connection
    from app.core.pagecache import GENERATION_KEY

    plan = make_plan(summary="協働を進めます。")
    kept_pages.checked = 0.0  # the generation after make_plan's commit, read now rather than within a second
    assert "いっしょに" in client.get(f"/plans/{plan}?n=1").get_data(as_text=True)
    with app.app_context():
        # Written past the ORM's unit of work, as another process's commit looks from here: no bump.
        db.session.execute(update(GlossaryTerm).where(GlossaryTerm.term == "協働").values(explanation="べつの 説明です。"))
        db.session.commit()
    assert "いっしょに" in client.get(f"/plans/{plan}?n=2").get_data(as_text=True)  # kept
    with app.app_context():
        redis_connection().incr(GENERATION_KEY)  # what that process's commit did
    kept_pages.checked = 0.0  # the next page reads the generation (at most a second later in production)
    assert "べつの 説明です。" in client.get(f"/plans/{plan}?n=3").get_data(as_text=True)


def test_without_the_page_cache_the_terms_are_read_for_every_page(app, client, terms, make_plan):
    plan = make_plan(summary="協働を進めます。")
    for n in range(2):
        _html, read = glossary_queries(app, lambda n=n: client.get(f"/plans/{plan}?n={n}"))
        assert read == 1


def test_a_page_without_any_term_in_its_main_is_returned_as_it_was():
    page = '<html lang="ja"><body><header>協働</header><main><p>計画</p></main></body></html>'
    assert mark_terms(page, TERMS, href="/glossary", script="/g.js", more="") is page
