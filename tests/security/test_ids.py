"""Ids out of the database's range, in every URL of the URL map and in the query strings that carry
ids or page numbers: a 404 (or the value ignored), never a server error.

PostgreSQL's ``integer`` ends at 2³¹−1: a bigger id in a query is an error there, not "no such row"
(``/periods/2147483648`` was a 500). SQLite takes 64 bits and fails past them. The test runs on the
engine the suite runs on, once per engine: CI runs it on PostgreSQL (the ``services`` case fails there
when PostgreSQL is missing) and again on SQLite.
"""

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from app.core.ids import MAX_ID
from app.extensions import db
from tests.security.conftest import token_for
from tests.security.routes import DEFAULT_VALUES, TABLE, lookup

TOO_BIG = (MAX_ID + 1, 10**20)  # just past PostgreSQL's integer; past every engine's 64 bits
# Werkzeug checks the method before the converter: a POST to a path that also has a GET route is
# told 405 by that route, though neither takes the id.
EXPECTED = {"GET": {404}, "POST": {404, 405}}
# Query-string names that hold an id or a page number somewhere in the app.
ID_ARGS = ("page", "per_page", "period", "section", "tag", "group", "opinion", "submission", "plan", "workshop")


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.services), "sqlite"])
def engine(request, app):
    with app.app_context():
        name = db.engine.dialect.name
    if name != request.param:
        pytest.skip(f"runs on {request.param}; this run uses {name}")
    return name


def _int_arguments(rule) -> list[str]:
    return [arg for arg in rule.arguments if isinstance(rule._converters[arg], IntegerConverter)]


def _values(rule, ids) -> dict:
    table_rule = TABLE.get(rule.endpoint)
    mapping = {**DEFAULT_VALUES, **(table_rule.values if table_rule else {})}
    return {arg: lookup(ids, mapping[arg]) for arg in rule.arguments}


def _send(client, method, url, token):
    try:
        if method == "GET":
            return client.get(url).status_code
        return client.post(url, data={"csrf_token": token}).status_code
    except Exception as exc:  # noqa: BLE001  (a 500 in production: report it with the others)
        return f"raised {type(exc).__name__}"


def test_every_url_id_is_an_integer_argument(app):
    """The net below catches only ``int`` arguments: an id taken as text would slip through it."""
    loose = [f"{rule.rule}: {arg}" for rule in app.url_map.iter_rules() for arg in rule.arguments
             if arg.endswith("_id") and arg not in _int_arguments(rule) and arg != "job_id"]
    assert loose == []


@pytest.mark.parametrize("role", ["nobody", "admin"])
def test_out_of_range_ids_in_every_url_are_404(app, world, clients, engine, role):
    client = clients[role]
    token = token_for(client)
    problems, tried = [], 0
    for rule in app.url_map.iter_rules():
        for arg in _int_arguments(rule):
            for big in TOO_BIG:
                values = {**_values(rule, world.ids), arg: big}
                with app.test_request_context():
                    url = url_for(rule.endpoint, **values)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    status = _send(client, method, url, token)
                    tried += 1
                    if status not in EXPECTED[method]:
                        problems.append(f"{method} {url} as {role}: {status}")
    assert tried > 100  # the URL map was walked, not skipped
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", ["nobody", "moderator", "admin"])
def test_out_of_range_ids_in_query_strings_are_never_a_server_error(app, world, clients, engine, role):
    client = clients[role]
    problems = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        for big in TOO_BIG:
            with app.test_request_context():
                url = url_for(rule.endpoint, **_values(rule, world.ids), **dict.fromkeys(ID_ARGS, big))
            status = _send(client, "GET", url, None)
            if not isinstance(status, int) or status >= 500:
                problems.append(f"GET {url} as {role}: {status}")
    assert problems == [], "\n".join(problems)
