"""Idempotency keys are no credentials, and the lookup code travels in no URL (issue 14).

A key counts only in the session that was given it, for the form it was given for; the lookup code
is random, made by the server; the receipt shows in the sending browser only; links carry the code
in the fragment, the lookup form POSTs it, and every page with it is no-store and rate limited.
"""

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app import create_app
from app.core.models import AuditEntry
from app.extensions import db, limiter
from app.submissions import services
from app.submissions.models import Submission
from config import TestConfig
from tests.conftest import csrf_token, login
from tests.submissions.conftest import (
    KEY,
    confirmed_data,
    look_up,
    opinion,
    receipt_of,
    send,
    submit,
)

FIRST = "最初の人だけが知っている意見の本文です。"


def stranger(app, period_id):
    """Another browser: its own session, with a token of its own for the period's form."""
    other = app.test_client()
    return other, csrf_token(other, f"/periods/{period_id}/submit")


def assert_shows_nothing_of(html, number, code):
    assert FIRST not in html and number not in html and code not in html


def old_derived_code(app, key):
    """The code main derived from a key: HMAC(SECRET_KEY, key). Nothing may be derived so any more."""
    digest = hmac.new(app.config["SECRET_KEY"].encode(), f"lookup:{key}".encode(), hashlib.sha256).digest()
    return services.format_secret(base64.b32encode(digest).decode()[:16])


def test_a_known_key_sent_to_another_period_shows_nothing_of_the_first(app, client, make_period, count_rows):
    first_period, other_period = make_period(), make_period()
    data = confirmed_data(client, first_period, opinion(FIRST))
    number, code, _html = receipt_of(client, send(client, first_period, data))
    other, token = stranger(app, other_period)
    response = send(other, other_period, {**opinion("別の期間への意見"), "idempotency_key": data["idempotency_key"],
                                          "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Location" not in response.headers
    assert_shows_nothing_of(html, number, code)
    assert "このブラウザーで表示されたものではない" in html and "別の期間への意見" in html
    # The same browser sending its key to another period's form is refused alike: keys belong to their form.
    response = send(client, other_period, {**data, "csrf_token": csrf_token(client, f"/periods/{other_period}/submit")})
    assert response.status_code == 409 and number not in response.get_data(as_text=True)
    assert count_rows(Submission) == 1


def test_a_key_replayed_from_another_session_shows_nothing_of_the_first_person(app, client, make_period, count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(FIRST, email="first@example.jp"))
    number, code, _html = receipt_of(client, send(client, period_id, data))
    other, token = stranger(app, period_id)
    replay = {**data, "entries-0-body": "なりすましの意見", "email": "", "csrf_token": token}
    response = send(other, period_id, replay)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert_shows_nothing_of(html, number, code)
    assert "first@example.jp" not in html
    assert data["idempotency_key"] not in html  # the page comes back with a key of this browser's own
    # Sending that page is an ordinary, new submission with its own number and code.
    fresh = KEY.search(html).group(1)
    their_number, their_code, their_html = receipt_of(other, send(other, period_id, {**replay, "idempotency_key": fresh}))
    assert their_number != number and their_code != code
    assert FIRST not in their_html
    assert count_rows(Submission) == 2


def test_a_double_click_whose_first_answer_never_arrived_shows_the_one_receipt_with_its_code(app, client, make_period,
                                                                                           count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(FIRST))
    # The second click carries the cookie the browser had before the first answer came back.
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    first, second = send(client, period_id, data), send(twin, period_id, data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    number, code, _html = receipt_of(client, first)
    assert receipt_of(twin, second)[:2] == (number, code)
    assert count_rows(Submission) == 1


def test_the_lookup_code_is_random_and_not_derived_from_the_key(app, client, make_period):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(FIRST))
    _number, code, _html = receipt_of(client, send(client, period_id, data))
    assert code != old_derived_code(app, data["idempotency_key"])
    # One key used for two forms by the server itself (the demo's fixed keys): two submissions, two codes.
    other_period = make_period()
    with app.app_context():
        received = services.Received(submitter=services.Submitter(name="デモ", attribute="resident"),
                                     entries=[services.Entry(body=FIRST)])
        made = [services.submit_web(pid, received, idempotency_key="demo-same-key-for-both-0001")
                for pid in (period_id, other_period)]
        assert [created for _submission, created in made] == [True, True]
        hashes = {submission.lookup_token_hash for submission, _created in made}
        assert len(hashes) == 2
        assert services.token_hash(old_derived_code(app, "demo-same-key-for-both-0001")) not in hashes


def test_no_redirect_page_or_email_carries_the_code_in_a_query(app, client, make_period, mailbox, run_jobs):
    period_id = make_period()
    response = submit(client, period_id, opinion(FIRST, email="hanako@example.jp"))
    location = response.headers["Location"]
    number, code, html = receipt_of(client, response)
    assert code.replace("-", "") not in location.upper().replace("-", "")
    assert set(parse_qs(urlsplit(location).query)) == {"receipt"}
    links = re.findall(r'href="([^"]+)"', html) + re.findall(r"https?://\S+", html)
    assert any(code in link for link in links)
    for link in links:
        assert code not in urlsplit(link).query and "secret" not in link
    run_jobs()
    body = mailbox[0].get_content()
    mailed = re.search(r"https?://\S+/lookup\S*", body).group(0)
    assert urlsplit(mailed).fragment == f"code={code}"
    assert code not in urlsplit(mailed).query and code not in urlsplit(mailed).path
    # The mailed link opens the lookup form with the number filled in, ready for the code from the fragment.
    page = client.get(urlsplit(mailed).path + "?" + urlsplit(mailed).query).get_data(as_text=True)
    assert 'method="post"' in page and f'value="{number}"' in page and "data-code-from-fragment" in page


def test_the_receipt_shows_only_in_the_browser_that_sent(app, client, make_period):
    period_id = make_period()
    response = submit(client, period_id, opinion(FIRST))
    number, code, _html = receipt_of(client, response)
    other = app.test_client()
    opened = other.get(response.headers["Location"])
    assert opened.status_code == 303 and urlsplit(opened.headers["Location"]).path == "/lookup"
    assert_shows_nothing_of(other.get(opened.headers["Location"]).get_data(as_text=True), f">{number}<", code)
    assert FIRST in client.get(response.headers["Location"]).get_data(as_text=True)  # a reload still shows it


def test_a_code_in_an_old_style_query_is_moved_to_the_fragment_and_looks_up_nothing(client, make_period):
    period_id = make_period()
    number, code, _html = receipt_of(client, submit(client, period_id, opinion(FIRST)))
    response = client.get("/lookup", query_string={"receipt": number, "secret": code})
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.fragment == f"code={code}" and code not in target.query
    assert FIRST not in response.get_data(as_text=True)


def test_receipt_and_lookup_responses_are_no_store(client, make_period):
    period_id = make_period()
    response = submit(client, period_id, opinion(FIRST))
    number, code, _html = receipt_of(client, response)
    answers = {"receipt": client.get(response.headers["Location"]), "lookup form": client.get("/lookup"),
               "lookup": look_up(client, number, code), "wrong code": look_up(client, number, "AAAA-BBBB-CCCC-DDDD"),
               "old link": client.get("/lookup", query_string={"receipt": number, "secret": code}),
               "expired receipt": client.get("/receipt", query_string={"receipt": "1-99999"})}
    assert FIRST in answers["lookup"].get_data(as_text=True)
    for name, answer in answers.items():
        assert "no-store" in answer.headers.get("Cache-Control", ""), name


class LimitedConfig(TestConfig):
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    LOOKUP_RATE_LIMIT = "4 per hour"


@pytest.fixture
def limited(app):
    """A second app with the limiter on (the suite's app has it off); it shares the test's database."""
    was_enabled = limiter.enabled
    limited = create_app(LimitedConfig)
    limited.config["UPLOAD_FOLDER"] = app.config["UPLOAD_FOLDER"]
    yield limited
    limiter.reset()
    limiter.enabled = was_enabled


def test_lookup_is_rate_limited_per_address_with_a_clear_message(limited, make_period):
    client = limited.test_client()
    period_id = make_period()
    response = submit(client, period_id, opinion(FIRST))
    number, code, _html = receipt_of(client, response)  # shown from the session: no code tried, none spent
    token = csrf_token(client, "/lookup")  # the empty form counts: one of four
    assert client.get("/receipt", query_string={"receipt": "1-99999"}).status_code == 303  # not this one's: two

    def post(code_given):
        return client.post("/lookup", data={"receipt": number, "secret": code_given, "csrf_token": token})

    assert [post(f"AAAA-BBBB-CCCC-DDD{n}").status_code for n in (2, 3)] == [404, 404]
    blocked = post(code)  # even the right code, once the budget is spent
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "no-store" in blocked.headers["Cache-Control"]
    assert "短い時間に多くの照会があった" in html and FIRST not in html
    assert client.get("/receipt", query_string={"receipt": "1-99999"}).status_code == 429
    # The browser that sent still sees its own receipt: it shows only what its session holds.
    again = client.get(response.headers["Location"])
    assert again.status_code == 200 and code in again.get_data(as_text=True)
    english = limited.test_client()
    english.get("/language", query_string={"lang": "en", "next": "/"})
    assert "Too many lookups" in look_up(english, number, code).get_data(as_text=True)
    elsewhere = limited.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert look_up(elsewhere, number, code).status_code == 200


# --- paper: the slip ---


def paper_entry(client, period_id):
    path = f"/staff/periods/{period_id}/submissions/new"
    page = client.get(path).get_data(as_text=True)
    from datetime import timedelta

    from app.core.timeutil import jst_today

    data = {"csrf_token": csrf_token(client, path), "idempotency_key": KEY.search(page).group(1), "channel": "post",
            "received_on": (jst_today() - timedelta(days=1)).isoformat(), "name": "郵送 花子", "attribute": "resident",
            "entries-0-section": "", "entries-0-body": FIRST}
    return data, client.post(path, data=data)


def test_the_slip_shows_the_code_only_to_the_session_that_made_it_and_a_new_code_replaces_the_old(
        app, login_as, make_user, make_period):
    period_id = make_period()
    staff, _ = login_as("staff")
    data, response = paper_entry(staff, period_id)
    assert response.status_code == 303
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        submission_id, number = submission.id, submission.receipt_no
    slip = staff.get(f"/staff/submissions/{submission_id}/slip")
    assert "no-store" in slip.headers["Cache-Control"]
    code = re.search(r"<code>([A-Z2-7-]{19})</code>", slip.get_data(as_text=True)).group(1)
    assert code != old_derived_code(app, data["idempotency_key"])
    assert FIRST in look_up(app.test_client(), number, code).get_data(as_text=True)
    # A colleague's session was never given the code: the slip offers a new one instead.
    colleague = app.test_client()
    with app.app_context():
        from app.accounts.models import User

        email = db.session.get(User, make_user("staff", department="まちづくり政策課")).email
    login(colleague, email)
    page = colleague.get(f"/staff/submissions/{submission_id}/slip").get_data(as_text=True)
    assert code not in page and "<code>" not in page and "照会コードを新しく発行する" in page
    token = csrf_token(colleague, f"/staff/submissions/{submission_id}/slip")
    reissued = colleague.post(f"/staff/submissions/{submission_id}/slip", data={"csrf_token": token})
    assert reissued.status_code == 303
    new_code = re.search(r"<code>([A-Z2-7-]{19})</code>",
                         colleague.get(reissued.headers["Location"]).get_data(as_text=True)).group(1)
    assert new_code != code
    assert look_up(app.test_client(), number, code).status_code == 404
    assert FIRST in look_up(app.test_client(), number, new_code).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "submission.reissue_code"))


def test_a_paper_entry_with_a_key_not_issued_here_saves_nothing(app, login_as, make_user, make_period, count_rows):
    period_id = make_period()
    staff, _ = login_as("staff")
    data, response = paper_entry(staff, period_id)
    assert response.status_code == 303
    colleague = app.test_client()
    with app.app_context():
        from app.accounts.models import User

        email = db.session.get(User, make_user("staff", department="まちづくり政策課")).email
    login(colleague, email)
    path = f"/staff/periods/{period_id}/submissions/new"
    replay = colleague.post(path, data={**data, "csrf_token": csrf_token(colleague, path), "name": "別人"})
    html = replay.get_data(as_text=True)
    assert replay.status_code == 200 and "保存していません" in html
    assert count_rows(Submission) == 1
