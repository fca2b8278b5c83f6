"""Past the API's rate limit a client gets 429 as problem+json with Retry-After."""

import pytest

from app.extensions import limiter


@pytest.fixture
def low_limit(app):
    saved, was_enabled = app.config["API_RATE_LIMIT"], limiter.enabled
    app.config["API_RATE_LIMIT"] = "2 per minute"
    limiter.enabled = True
    limiter.reset()
    yield
    app.config["API_RATE_LIMIT"] = saved
    limiter.enabled = was_enabled
    limiter.reset()


def test_too_many_requests_get_429_problem_with_retry_after(client, low_limit):
    assert [client.get("/api/v1/plans").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/plans")
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.get_json()["status"] == 429
    assert client.get("/feeds/results.atom").status_code == 429  # the feeds share the limit
