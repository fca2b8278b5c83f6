"""Public pages kept for a few seconds: fresh after a staff edit, never sharing a reader's CSRF token."""

import re
import time

import pytest
from flask import request_started
from sqlalchemy import event

from app.core import pagecache
from app.extensions import db
from app.periods.models import CommentPeriod
from tests.submissions.conftest import submit

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def cached(app):
    cache = app.extensions["meyasu_page_cache"]
    saved = app.config["PUBLIC_PAGE_CACHE_SECONDS"]
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 60
    cache.entries.clear()
    yield cache
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = saved
    cache.entries.clear()


def count_queries(app, fn):
    statements = []
    with app.app_context():
        engine = db.engine

    def note(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", note)
    try:
        result = fn()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return result, statements


def test_a_public_page_read_again_is_served_without_the_database(app, client, cached, make_period):
    period_id = make_period(title="キャッシュされる意見募集")
    first = client.get(f"/periods/{period_id}")
    assert first.status_code == 200 and "X-Page-Cache" not in first.headers
    second, statements = count_queries(app, lambda: client.get(f"/periods/{period_id}"))
    assert second.status_code == 200
    assert second.headers["X-Page-Cache"] == "hit"
    assert statements == []
    assert "キャッシュされる意見募集" in second.get_data(as_text=True)
    assert second.headers["Content-Security-Policy"]  # headers are still added to a kept page


def test_each_reader_gets_their_own_csrf_token_on_a_kept_page(app, cached, make_period):
    period_id = make_period()
    one, two = app.test_client(), app.test_client()
    token_one = TOKEN.search(one.get(f"/periods/{period_id}/submit").get_data(as_text=True)).group(1)
    page_two = two.get(f"/periods/{period_id}/submit")
    assert page_two.headers["X-Page-Cache"] == "hit"
    token_two = TOKEN.search(page_two.get_data(as_text=True)).group(1)
    assert token_two != token_one
    # The second reader's token works for the second reader's session: the form goes on to be checked.
    confirmed = two.post(f"/periods/{period_id}/submit/confirm", data={"csrf_token": token_two, "confirm": "y"})
    assert confirmed.status_code == 200 and "submit/confirm" in confirmed.get_data(as_text=True)
    assert one.post(f"/periods/{period_id}/submit/confirm", data={"csrf_token": token_two}).status_code == 400


def test_a_visitor_who_only_reads_gets_no_cookie(app, client, cached, make_period):
    """No form, no CSRF token, no session: the page (fresh or kept) sets no cookie and costs no signing."""
    period_id = make_period()
    for path in ("/", "/periods", f"/periods/{period_id}", f"/periods/{period_id}", "/plans", "/accessibility"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        assert 'name="csrf_token"' not in response.get_data(as_text=True), path
    assert client.get(f"/periods/{period_id}").headers["X-Page-Cache"] == "hit"
    # A page with a form still gets the reader a session and a token of their own.
    form = client.get(f"/periods/{period_id}/submit")
    assert "Set-Cookie" in form.headers and TOKEN.search(form.get_data(as_text=True))


def test_languages_are_kept_apart(app, client, cached, make_period):
    make_period()
    assert 'lang="ja"' in client.get("/periods").get_data(as_text=True)
    client.get("/language", query_string={"lang": "en", "next": "/periods"})
    assert '<html lang="en">' in client.get("/periods").get_data(as_text=True)


def test_a_staff_change_shows_at_once(app, client, cached, make_period):
    period_id = make_period(title="古い題名")
    client.get(f"/periods/{period_id}")
    assert client.get(f"/periods/{period_id}").headers["X-Page-Cache"] == "hit"
    with app.app_context():
        db.session.get(CommentPeriod, period_id).title = "新しい題名"
        db.session.commit()
    page = client.get(f"/periods/{period_id}")
    assert "X-Page-Cache" not in page.headers
    assert "新しい題名" in page.get_data(as_text=True)


def test_a_citizen_sends_from_a_kept_form_page(app, cached, make_period):
    period_id = make_period()
    app.test_client().get(f"/periods/{period_id}/submit")
    citizen = app.test_client()
    assert citizen.get(f"/periods/{period_id}/submit").headers["X-Page-Cache"] == "hit"
    # submit() reads the token from the (kept) form page, confirms, and sends.
    assert submit(citizen, period_id).status_code == 303


def test_a_citizens_submission_keeps_the_pages(app, client, cached, make_period):
    period_id = make_period()
    client.get("/periods")
    response = submit(app.test_client(), period_id)
    assert response.status_code == 303
    assert client.get("/periods").headers["X-Page-Cache"] == "hit"


def key(path: str) -> tuple[str, str]:
    """The cache's key of a page in Japanese (the path as Flask's ``full_path`` gives it)."""
    return f"{path}?", "ja"


def shared_key(path: str) -> str:
    """Where Redis keeps the site's copy of ``path`` (in Japanese)."""
    return pagecache.PageCache._shared_key(key(path))


def expire(cache, path: str, seconds_ago: float) -> None:
    """The kept page of ``path`` as if its time limit had passed ``seconds_ago``."""
    cache.entries[key(path)].expires = time.monotonic() - seconds_ago


def test_past_its_time_limit_a_page_is_served_as_kept_while_another_request_renders_it(app, client, cached,
                                                                                       make_period):
    period_id = make_period(title="描き直される題名")
    path = f"/periods/{period_id}"
    client.get(path)
    with app.app_context():  # a change that bumps no generation: what the clock alone changes
        db.session.execute(db.update(CommentPeriod).where(CommentPeriod.id == period_id).values(title="時が変えた題名"))
        db.session.commit()
    expire(cached, path, 1.0)
    cached.rendering[key(path)] = time.monotonic() + 5  # another request of this process is rendering it
    waiting, statements = count_queries(app, lambda: client.get(path))
    assert waiting.headers["X-Page-Cache"] == "stale"
    assert statements == []
    assert "描き直される題名" in waiting.get_data(as_text=True)
    # After a quiet spell too (a minute without readers), readers are not all held behind the one render.
    expire(cached, path, 60.0)
    assert client.get(path).headers["X-Page-Cache"] == "stale"

    cached.rendering.clear()  # nobody renders it: the first request after the limit does
    fresh = client.get(path)
    assert "X-Page-Cache" not in fresh.headers
    assert "時が変えた題名" in fresh.get_data(as_text=True)
    assert client.get(path).headers["X-Page-Cache"] == "hit"
    assert not cached.rendering  # the claim ends with the page kept


def test_a_page_long_past_its_limit_or_of_an_old_generation_is_never_served_as_kept(app, client, cached,
                                                                                    make_period):
    period_id = make_period(title="古いままの題名")
    path = f"/periods/{period_id}"
    client.get(path)
    expire(cached, path, pagecache.STALE_SECONDS + 1)
    cached.rendering[key(path)] = time.monotonic() + 5
    assert "X-Page-Cache" not in client.get(path).headers  # rendered, whoever else is at it

    old = cached.entries[key(path)]
    with app.app_context():  # a staff change: a new generation
        db.session.get(CommentPeriod, period_id).title = "職員が変えた題名"
        db.session.commit()
    # Another process learns of it from Redis, its own copy still there; here: the copy put back.
    old.expires = time.monotonic() - 1.0
    cached.entries[key(path)] = old
    cached.rendering[key(path)] = time.monotonic() + 5
    page = client.get(path)
    assert "X-Page-Cache" not in page.headers
    assert "職員が変えた題名" in page.get_data(as_text=True)


def test_logged_in_staff_always_get_a_fresh_page(app, cached, make_period, login_as):
    period_id = make_period()
    staff, _ = login_as("staff")
    staff.get(f"/periods/{period_id}")
    assert "X-Page-Cache" not in staff.get(f"/periods/{period_id}").headers


def test_off_when_the_setting_is_zero(app, client, make_period):
    period_id = make_period()
    client.get(f"/periods/{period_id}")
    assert "X-Page-Cache" not in client.get(f"/periods/{period_id}").headers


def through_flask(app, fn):
    """(fn's result, how many requests Flask itself handled meanwhile)."""
    handled = []

    def note(sender, **extra):
        handled.append(sender)

    request_started.connect(note, app)
    try:
        return fn(), len(handled)
    finally:
        request_started.disconnect(note, app)


def test_a_kept_answer_is_given_again_without_flask(app, client, cached, make_period):
    """From the answer that rendered it on, a reader without a session gets the very bytes and headers Flask
    gave (every hook's headers included, told as a hit), without Flask running at all."""
    period_id = make_period(title="そのまま渡されるページ")
    path = f"/periods/{period_id}"
    (by_flask, handled) = through_flask(app, lambda: client.get(path))  # rendered and kept
    assert handled == 1
    for _ in range(2):
        (again, handled) = through_flask(app, lambda: client.get(path))
        assert handled == 0
        assert again.get_data() == by_flask.get_data() and "そのまま渡されるページ" in again.get_data(as_text=True)
        assert list(again.headers.items()) == [*by_flask.headers.items(), ("X-Page-Cache", "hit")]
        assert again.headers["Content-Security-Policy"] and again.headers["X-Frame-Options"] == "DENY"


def test_a_kept_answer_goes_with_the_page_it_was_made_from(app, client, cached, make_period):
    period_id = make_period(title="変わる前")
    path = f"/periods/{period_id}"
    for _ in range(3):
        client.get(path)
    assert through_flask(app, lambda: client.get(path))[1] == 0
    with app.app_context():
        db.session.get(CommentPeriod, period_id).title = "変わった後"
        db.session.commit()
    (page, handled) = through_flask(app, lambda: client.get(path))
    assert handled == 1 and "変わった後" in page.get_data(as_text=True)
    assert all("変わった後" in client.get(path).get_data(as_text=True) for _ in range(2))
    # The page's time is up (PUBLIC_PAGE_CACHE_SECONDS): Flask renders it again.
    for entry in cached.entries.values():
        entry.expires = 0
    assert through_flask(app, lambda: client.get(path))[1] == 1


def test_a_plan_page_is_kept_whole_for_the_loop(app, client, cached, make_plan):
    """The plan page, the centre of the site, carries no form of its own: gunicorn's loop may answer a
    reader from the kept answer (with its follow form, every read was a whole Flask request and a cookie)."""
    plan_id = make_plan()
    path = f"/plans/{plan_id}"
    kept = app.extensions["meyasu_kept_pages"]
    for _ in range(2):
        assert "Set-Cookie" not in client.get(path).headers
    cached.checked = time.monotonic()  # as after the thread's read: the loop answers only on a fresh generation
    ready, stale = kept.ready("http", path, "", "", False)
    assert ready is not None and not stale and ready.status.startswith("200")


def test_a_page_just_rendered_is_kept_whole_for_the_loop_at_once(app, client, cached, make_period):
    """Kept whole only once a thread had served it from the cache, a page just rendered sent every reader of
    it to a thread until then: in a surge, one request each time a page was rendered in each process."""
    path = f"/periods/{make_period(title='描いたばかり')}"
    rendered = client.get(path)
    assert rendered.status_code == 200 and "X-Page-Cache" not in rendered.headers
    kept = app.extensions["meyasu_kept_pages"]
    cached.checked = time.monotonic()  # as after the thread's read: the loop answers only on a fresh generation
    ready, stale = kept.ready("http", path, "", "", False)
    assert ready is not None and not stale and ready.body == rendered.get_data()
    assert ("X-Page-Cache", "hit") in ready.headers
    # Given again from the kept answer, without Flask, and told as a hit.
    (again, handled) = through_flask(app, lambda: client.get(path))
    assert handled == 0 and again.get_data() == rendered.get_data() and again.headers["X-Page-Cache"] == "hit"


def test_a_page_with_a_form_just_rendered_is_not_kept_whole(app, client, cached, make_period):
    path = f"/periods/{make_period()}/submit"
    assert "Set-Cookie" in client.get(path).headers  # the form's token, in a session of its own
    kept = app.extensions["meyasu_kept_pages"]
    cached.checked = time.monotonic()
    assert kept.ready("http", path, "", "", False) == (None, False)


def test_the_thread_reads_the_generation_again_before_the_loop_would_stop_answering(app, cached):
    """The loop answers kept pages only while the generation was read less than a second ago, and the
    thread read it again only after a whole second: each second the loop answered nothing until the
    thread's request in hand ended, and sent those readers to the thread."""
    kept = app.extensions["meyasu_kept_pages"]
    kept.refresh()
    read_at = cached.checked
    kept.refresh()
    assert cached.checked == read_at  # read a moment ago: not again
    cached.checked = time.monotonic() - pagecache.GENERATION_CHECK_SECONDS * 0.6
    kept.refresh()
    assert time.monotonic() - cached.checked < 0.1  # over half the time: read again


def test_the_loop_may_have_a_kept_answer_past_its_limit_only_when_it_asks_and_never_of_an_old_generation(
        app, client, cached, make_period):
    period_id = make_period(title="ループが渡すページ")
    path = f"/periods/{period_id}"
    kept = app.extensions["meyasu_kept_pages"]
    for _ in range(2):
        client.get(path)  # rendered and kept, with its whole answer
    cached.checked = time.monotonic()  # as after the thread's read: on a slow machine a second may have passed
    ready, stale = kept.ready("http", path, "", "", False)
    assert ready is not None and not stale and "ループが渡すページ".encode() in ready.body
    expire(cached, path, 5.0)
    assert kept.ready("http", path, "", "", False) == (None, False)
    assert kept.ready("http", path, "", "", False, stale_for=60.0) == (ready, True)
    expire(cached, path, 61.0)
    assert kept.ready("http", path, "", "", False, stale_for=60.0) == (None, False)
    expire(cached, path, 5.0)
    cached.entries[key(path)].generation = "an older one"
    assert kept.ready("http", path, "", "", False, stale_for=60.0) == (None, False)


def test_readers_with_a_session_or_another_scheme_never_get_the_kept_answer(app, client, cached, make_period):
    period_id = make_period()
    path = f"/periods/{period_id}"
    for _ in range(3):
        client.get(path)
    assert through_flask(app, lambda: client.get(path))[1] == 0
    english = app.test_client()
    english.get("/language", query_string={"lang": "en", "next": path})
    (page, handled) = through_flask(app, lambda: english.get(path))
    assert handled == 1 and '<html lang="en">' in page.get_data(as_text=True)
    # Behind TLS the answer carries HSTS; the answer kept for plain HTTP does not, and is not given there.
    (secure, handled) = through_flask(app, lambda: client.get(path, base_url="https://localhost"))
    assert handled == 1 and "Strict-Transport-Security" in secure.headers
    assert "Strict-Transport-Security" not in client.get(path).headers
    # A page with a form gives each new reader a token and a session of their own, every time.
    form = f"/periods/{period_id}/submit"
    tokens = set()
    for _ in range(3):
        (page, handled) = through_flask(app, lambda: app.test_client().get(form))
        assert handled == 1 and "Set-Cookie" in page.headers
        tokens.add(TOKEN.search(page.get_data(as_text=True)).group(1))
    assert len(tokens) == 3


def settle(cache) -> None:
    """The process's next look at Redis's generation takes it as new (as a second later, in the suite too,
    where Redis is emptied between tests and its counter starts again)."""
    cache.shared, cache.checked = "", 0.0


@pytest.mark.services
def test_a_page_one_process_rendered_is_served_by_the_others_until_a_change(app, client, cached, make_period):
    period_id = make_period(title="共有されるページ")
    settle(cached)  # a second later: the bump of make_period's commit is counted in Redis's generation
    assert "X-Page-Cache" not in client.get(f"/periods/{period_id}").headers  # rendered here, kept in Redis too
    cached.entries.clear()  # another process: nothing of its own
    second, statements = count_queries(app, lambda: client.get(f"/periods/{period_id}"))
    assert second.headers["X-Page-Cache"] == "shared"
    assert statements == []
    assert "共有されるページ" in second.get_data(as_text=True)
    assert client.get(f"/periods/{period_id}").headers["X-Page-Cache"] == "hit"  # kept here from now on

    # A staff change in another process: Redis's generation moves, and this process reads it within a second.
    with app.app_context():
        db.session.get(CommentPeriod, period_id).title = "変更後の題名"
        db.session.commit()
    settle(cached)  # as if the commit had been made elsewhere: only Redis's generation tells
    cached.entries.clear()
    fresh = client.get(f"/periods/{period_id}")
    assert "X-Page-Cache" not in fresh.headers
    assert "変更後の題名" in fresh.get_data(as_text=True)


@pytest.mark.services
def test_a_process_with_a_change_of_its_own_neither_shares_nor_takes_shared_pages(app, client, cached, make_period):
    period_id = make_period(title="自分の変更")
    with app.app_context():
        db.session.get(CommentPeriod, period_id).title = "この工程で変えた題名"
        db.session.commit()  # bumps this process: its generation is "n.1" until it reads Redis again
        assert not cached.generation().endswith(".0")
    client.get(f"/periods/{period_id}")
    cached.entries.clear()
    assert "X-Page-Cache" not in client.get(f"/periods/{period_id}").headers  # nothing was shared


@pytest.mark.services
def test_one_process_renders_a_page_past_its_limit_and_the_others_serve_theirs_meanwhile(app, client, cached,
                                                                                        make_period):
    from app.core.jobs import redis_connection

    period_id = make_period(title="一つの工程が描き直す")
    path = f"/periods/{period_id}"
    settle(cached)
    client.get(path)
    generation = cached.generation()
    claim = f"{pagecache.RENDER_PREFIX}{generation}:ja:{path}?"
    with app.app_context():
        redis_connection().delete(shared_key(path))  # expired there too
        redis_connection().set(claim, b"1", px=5000)  # another process claimed it
    expire(cached, path, 1.0)
    assert client.get(path).headers["X-Page-Cache"] == "stale"

    with app.app_context():
        redis_connection().delete(claim)  # no one at it: this process claims and renders
        assert "X-Page-Cache" not in client.get(path).headers
        assert redis_connection().pttl(claim) > 0  # the others serve theirs until it is shared
        assert redis_connection().get(shared_key(path))


@pytest.mark.services
def test_a_process_without_a_copy_waits_for_the_page_another_renders(app, client, cached, make_period, monkeypatch):
    import threading

    from app.core.jobs import redis_connection

    period_id = make_period(title="待って受け取る")
    path = f"/periods/{period_id}"
    settle(cached)
    client.get(path)  # rendered and shared
    generation = cached.generation()
    shared = shared_key(path)
    with app.app_context():
        kept = redis_connection().get(shared)
        redis_connection().delete(shared)
        redis_connection().set(f"{pagecache.RENDER_PREFIX}{generation}:ja:{path}?", b"1", px=5000)
    cached.entries.clear()  # a process with no copy, while another renders the page

    def another_process_shares_it():
        with app.app_context():
            redis_connection().set(shared, kept, ex=60)

    threading.Timer(0.1, another_process_shares_it).start()
    waited, statements = count_queries(app, lambda: client.get(path))
    assert waited.headers["X-Page-Cache"] == "waited"
    assert statements == []
    assert "待って受け取る" in waited.get_data(as_text=True)

    # When it does not come within the wait, the request renders the page itself.
    monkeypatch.setattr(pagecache, "WAIT_SECONDS", 0.05)
    cached.entries.clear()
    with app.app_context():
        redis_connection().delete(shared)
    assert "X-Page-Cache" not in client.get(path).headers


@pytest.mark.services
def test_a_process_without_a_copy_serves_the_shared_one_past_its_limit_while_another_renders(app, client, cached,
                                                                                             make_period, monkeypatch):
    # A new process, or one that never served the page, after a quiet minute: the site's copy is past its
    # limit and another process renders the page again. It is served at once, not waited for.
    from app.core.jobs import redis_connection

    period_id = make_period(title="静かな一分の後")
    path = f"/periods/{period_id}"
    settle(cached)
    client.get(path)  # rendered and shared
    generation = cached.generation()
    with app.app_context():  # kept in Redis past its limit; a page with a made-up query only until it
        assert redis_connection().ttl(shared_key(path)) > pagecache.STALE_SECONDS
        client.get(f"{path}?made=up")
        assert 0 < redis_connection().ttl(pagecache.PageCache._shared_key((f"{path}?made=up", "ja"))) <= 60

    def shared_past_its_limit(seconds: float) -> None:
        with app.app_context():
            kept_generation, _expires, rest = redis_connection().get(shared_key(path)).decode().split("\n", 2)
            redis_connection().set(shared_key(path), f"{kept_generation}\n{time.time() - seconds}\n{rest}".encode())
            redis_connection().set(f"{pagecache.RENDER_PREFIX}{generation}:ja:{path}?", b"1", px=5000)
        cached.entries.clear()

    shared_past_its_limit(60.0)
    served, statements = count_queries(app, lambda: client.get(path))
    assert served.headers["X-Page-Cache"] == "stale"
    assert statements == []
    assert "静かな一分の後" in served.get_data(as_text=True)
    assert cached.get(key(path), generation) is None  # kept here as past its limit: never a fresh hit

    # Further past it than STALE_SECONDS, it is not served: the request waits for the new copy, then renders.
    monkeypatch.setattr(pagecache, "WAIT_SECONDS", 0.05)
    shared_past_its_limit(pagecache.STALE_SECONDS + 1)
    assert "X-Page-Cache" not in client.get(path).headers


def test_a_claimed_page_that_is_not_kept_is_given_up(app, client, cached):
    assert client.get("/periods/999999").status_code == 404
    assert not cached.rendering  # the next request renders it, nobody waits for it


def test_while_redis_is_down_a_page_past_its_limit_is_rendered_not_waited_for(app, client, cached, make_period,
                                                                              monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    period_id = make_period(title="Redisが止まっても")
    path = f"/periods/{period_id}"

    def down():
        raise RedisConnectionError("Redis is down")

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # configured, not answering
    monkeypatch.setattr("app.core.jobs.redis_connection", down)
    settle(cached)
    assert "Redis" in client.get(path).get_data(as_text=True)
    expire(cached, path, 1.0)
    started = time.monotonic()
    again = client.get(path)
    assert again.status_code == 200 and "X-Page-Cache" not in again.headers  # rendered: no claim to wait on
    assert time.monotonic() - started < pagecache.WAIT_SECONDS
    assert client.get(path).headers["X-Page-Cache"] == "hit"


# Pages people read that hold a form of their own: each reader needs a token, so these set a cookie and are
# given by Flask, not whole from the kept answer.
FORM_PAGES = {"submissions.form", "submissions.lookup", "surveys.show"}


def test_the_pages_people_read_set_no_cookie_unless_they_hold_a_form(app, cached):
    """A form put on a reading page (the plan page's follow form did) gives every reader a session cookie and
    takes the page from gunicorn's loop: every kept page linked from the demo's home and plan pages sets no
    cookie, but for the forms named above."""
    from tests.browser.a11y import endpoint_of, load_scenario

    scenario = load_scenario(app)
    kept = app.extensions["meyasu_page_cache"].endpoints
    found, seen = {"/", f"/plans/{scenario.plan}"}, set()
    for start in list(found):
        html = app.test_client().get(start).get_data(as_text=True)
        found |= {href for href in re.findall(r'href="(/[^"#?]*)"', html) if not href.startswith("/static/")}
    for path in sorted(found):
        endpoint = endpoint_of(app, path)
        if endpoint not in kept or endpoint in FORM_PAGES:
            continue
        page = app.test_client().get(path)
        if page.status_code == 200:
            seen.add(endpoint)
            assert "Set-Cookie" not in page.headers, (path, endpoint)
    assert {"core.home", "plans.index", "plans.show", "periods.show"} <= seen
