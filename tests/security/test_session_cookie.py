"""The session cookie is Flask's, byte for byte, however it is written and read: the plain session a citizen's
form steps keep is written without Flask's tagging walk and read without its scan, and the signing serializer
is made once for the app's keys (bench/README.md, twenty-eighth session)."""

import datetime

import pytest
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import TimestampSigner
from markupsafe import Markup

from app.core.security import RefusalKeepsSession

PLAIN = {"csrf_token": "a1" * 20, "_fresh": False, "_user_id": "3", "ratio": 1.5, "none": None,
         "form_keys": [["k" * 32, "period:3", "s" * 16] for _ in range(8)], "receipt": ["R-000123", "abcd", 1733]}
TAGGED = [
    {"_flashes": [("info", "保存しました")]},
    {"bytes": b"\x00\xff", "markup": Markup("<b>太字</b>"), "tuple": (1, "二")},
    {"when": datetime.datetime(2026, 12, 6, 3, 0, tzinfo=datetime.UTC)},
    # A one-key dict whose key looks like a tag is escaped by Flask: it must come back as it went.
    {"looks_tagged": {" t": [1, 2]}, "nested": [{" di": {"a": 1}}], "two_keys": {" t": 1, "b": 2}},
    {"text": '{" t": "not a tag"}', "japanese": "日本語の意見"},
    {"int_key": {1: "one"}},
    {},
]


def cookie(interface, app, value) -> str:
    with app.test_request_context():
        return interface.get_signing_serializer(app).dumps(dict(value))


@pytest.mark.parametrize("value", [PLAIN, *TAGGED])
def test_the_cookie_is_flasks_byte_for_byte_and_reads_back_as_flask_reads_it(app, value, monkeypatch):
    ours, flasks = RefusalKeepsSession(), SecureCookieSessionInterface()
    # Same second, same signature: the timestamp is part of the signed cookie.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_780_000_000)
    written = cookie(ours, app, value)
    assert written == cookie(flasks, app, value)
    with app.test_request_context():
        read = ours.get_signing_serializer(app).loads(written)
        assert read == flasks.get_signing_serializer(app).loads(written)
    assert read == ({"int_key": {"1": "one"}} if "int_key" in value else value)  # JSON keys are strings


def test_a_plain_session_is_neither_tagged_nor_scanned(app, monkeypatch):
    """The walks are what the cookie cost: for the form steps' plain session they do not run."""
    calls = []
    tag, scan = TaggedJSONSerializer.tag, TaggedJSONSerializer._untag_scan
    monkeypatch.setattr(TaggedJSONSerializer, "tag", lambda self, value: calls.append("tag") or tag(self, value))
    monkeypatch.setattr(TaggedJSONSerializer, "_untag_scan",
                        lambda self, value: calls.append("scan") or scan(self, value))
    interface = RefusalKeepsSession()
    with app.test_request_context():
        serializer = interface.get_signing_serializer(app)
        assert serializer.loads(serializer.dumps(SecureCookieSession(PLAIN))) == PLAIN
    assert calls == []
    with app.test_request_context():
        assert serializer.loads(serializer.dumps(TAGGED[0])) == TAGGED[0]
    assert calls[:1] == ["tag"] and "scan" in calls  # Flask's own walks, each value in turn


def test_the_signing_serializer_is_made_once_for_the_apps_keys(app):
    interface = RefusalKeepsSession()
    with app.test_request_context():
        first = interface.get_signing_serializer(app)
        assert interface.get_signing_serializer(app) is first
        old_key = app.secret_key
        app.secret_key = "a key rotated in " + old_key
        try:
            rotated = interface.get_signing_serializer(app)
            assert rotated is not first
            assert rotated.loads(rotated.dumps({"a": 1})) == {"a": 1}
        finally:
            app.secret_key = old_key
        assert interface.get_signing_serializer(app) is not rotated


def test_a_form_step_round_trips_its_session_through_the_app(app, client):
    """End to end: the session the app writes is read back by the app (the confirm page's key)."""
    assert isinstance(app.session_interface, RefusalKeepsSession)
    with client.session_transaction() as session:
        session["form_keys"] = PLAIN["form_keys"]
        session["_flashes"] = [("info", "保存しました")]
    with client.session_transaction() as session:
        assert session["form_keys"] == PLAIN["form_keys"]
        assert session["_flashes"] == [("info", "保存しました")]


def test_every_tag_the_session_serializer_knows_begins_with_a_space(app):
    """What reading without the scan rests on: a tagged value is a one-key object whose key begins with a space,
    so a cookie without '{" ' holds none. A tag registered with another key would be read back untagged."""
    tags = app.session_interface.serializer.tags
    assert tags and all(key.startswith(" ") for key in tags), sorted(tags)
