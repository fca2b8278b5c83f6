"""The OpenAPI document and the routes describe each other exactly, and schemathesis, run in-process
against the app, finds no server error and no response that breaks the document."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from app.api.openapi import openapi_document


def routes(app) -> set[str]:
    return {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1")}


def test_every_route_is_described_and_every_description_routed(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == routes(app)
    for path, item in document["paths"].items():
        assert set(item) == {"get"}, path
        params = {p["name"] for p in item["get"]["parameters"] if p["in"] == "path"}
        assert params == set(re.findall(r"{(\w+)}", path)), path


def test_every_reference_resolves(ctx):
    document = openapi_document()
    text = repr(document)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in document["components"]["schemas"], name


def test_documentation_page_lists_every_endpoint_and_schema(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in spec["paths"]:
        assert f"GET {path}" in html
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "cdn" not in html.lower() and "<script" not in html


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_description(app, city, mode):
    """Each operation with generated valid (then invalid) input: every default check of schemathesis
    (no server error, status, content type, headers and body as described, bad input refused)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # schemathesis leaves out the document it was loaded from.
    assert {operation.path for operation in operations} | {"/api/v1/openapi.json"} == set(openapi_document_paths(app))
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.path_parameters and not operation.query:
            continue  # nothing to get wrong

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate()

        check()


def openapi_document_paths(app) -> dict:
    with app.test_request_context():
        return openapi_document()["paths"]
