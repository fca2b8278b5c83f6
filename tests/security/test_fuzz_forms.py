"""Hypothesis against the public forms: whatever text arrives, no 500; an accepted opinion is stored
exactly as the form's documented normalisation leaves it and shown escaped to staff.

The normalisation (app/submissions/forms.py): an opinion's body gets one kind of newline (CRLF and
CR become LF) and loses blank ends (``str.strip``); before that, NUL characters are dropped from
every form field site-wide (app/core/security.py: no database stores them); one-line fields (name, address, email, phone) have every whitespace run collapsed to
one space. No NFKC: the citizen's text is kept as written.
"""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db, limiter
from app.submissions.forms import clean_text
from app.submissions.models import Submission
from app.workshops.models import Registration
from tests.conftest import csrf_token

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
TEXT = st.text(max_size=200)
HOSTILE = st.sampled_from(["<script>xss()</script>", "\"'><img src=x onerror=xss()>", "{{7*191}}", "\x00",
                           "\r\n", "\u202e", "　", "ｶﾀｶﾅ", "\ufeff", "%00", "' OR 1=1 --", "../../etc/passwd"])
MIXED = st.lists(st.one_of(TEXT, HOSTILE), max_size=4).map("".join)
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


def _fresh():
    limiter.reset()


@FUZZ
@given(body=MIXED, name=MIXED)
def test_the_opinion_form_never_fails_and_keeps_the_text(app, world, clients, body, name):
    _fresh()
    client = app.test_client()
    period_id = world.ids["a"]["period"]
    data = {"name": name, "attribute": "resident", "entries-0-section": "", "entries-0-body": body,
            "consent": "y", "homepage": "", "csrf_token": csrf_token(client, f"/periods/{period_id}/submit")}
    confirmed = client.post(f"/periods/{period_id}/submit/confirm", data=data)
    assert confirmed.status_code < 500
    match = KEY.search(confirmed.get_data(as_text=True))
    if not match:
        return
    sent = client.post(f"/periods/{period_id}/submit/send", data={**data, "idempotency_key": match.group(1)})
    assert sent.status_code < 500
    if sent.status_code != 303:
        return
    with app.app_context():
        submission = db.session.scalar(select(Submission).where(Submission.idempotency_key == match.group(1)))
        stored, submission_id = submission.entries[0].body, submission.id
    assert stored == clean_text(body.replace("\x00", ""))
    page = clients["staff"].get(f"/staff/submissions/{submission_id}").get_data(as_text=True)
    assert str(escape(stored)) in page


@FUZZ
@given(name=MIXED, email=MIXED, phone=MIXED, answer=MIXED, note=MIXED, party=st.text(max_size=5))
def test_the_workshop_sign_up_never_fails(app, world, name, email, phone, answer, note, party):
    _fresh()
    client = app.test_client()
    workshop_id = world.ids["a"]["workshop"]
    url = f"/workshops/{workshop_id}/register"
    response = client.post(url, data={
        "name": name, "email": email, "phone": phone, "attribute": "resident", "party_size": party,
        "answer_1": answer, "accommodation_note": note, "wheelchair": "y", "csrf_token": csrf_token(client, url)})
    assert response.status_code < 500
    if response.status_code == 303 and "/registration/" in response.headers["Location"]:
        with app.app_context():
            registration = db.session.scalar(select(Registration).order_by(Registration.id.desc()))
            assert registration.name == name.replace("\x00", "").strip()


@FUZZ
@given(receipt=MIXED, secret=MIXED)
def test_the_lookup_and_receipt_pages_never_fail(app, world, receipt, secret):
    _fresh()
    client = app.test_client()
    for path in ("/lookup", "/receipt"):
        # An old-style ?secret= link moves to the fragment; a receipt not held by this session goes to the lookup.
        response = client.get(path, query_string={"receipt": receipt, "secret": secret})
        assert response.status_code in (200, 303, 404), path
    response = client.post("/lookup", data={"receipt": receipt, "secret": secret,
                                            "csrf_token": csrf_token(client, "/lookup")})
    assert response.status_code in (200, 404)


@FUZZ
@given(lang=MIXED, target=st.one_of(MIXED, st.sampled_from(["//evil.example", "/\\evil.example", "\\\\evil.example",
                                                           "https:evil.example", "/%2F%2Fevil.example",
                                                           "\t//evil.example", "/\t/evil.example"])))
def test_the_language_switch_never_fails_nor_leaves_the_site(app, lang, target):
    client = app.test_client()
    response = client.get("/language", query_string={"lang": lang, "next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location[:2] and not re.match(r"/[\t\n\r]*[/\\]", location), location


@FUZZ
@given(email=MIXED, password=MIXED, remember=st.sampled_from(["", "y", "\x00", "yes"]))
def test_the_login_form_never_fails(app, email, password, remember):
    _fresh()
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password, "remember": remember,
                                           "csrf_token": csrf_token(client, "/login")})
    assert response.status_code in (200, 303)
