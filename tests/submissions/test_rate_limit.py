"""Rate limits on sending, per IP and per email address, with a 429 page that keeps the text."""

import pytest

from app import create_app
from app.extensions import limiter
from config import TestConfig
from tests.submissions.conftest import confirmed_data, opinion, send


class LimitedConfig(TestConfig):
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    SUBMISSION_RATE_LIMIT = "3 per hour"
    SUBMISSION_RATE_LIMIT_PER_EMAIL = "2 per hour"


@pytest.fixture
def limited_client(app):
    """A second app with the limiter on (the suite's app has it off); it shares the test's database."""
    was_enabled = limiter.enabled  # the limiter is one object: give the rest of the suite what it had
    limited = create_app(LimitedConfig)
    limited.config["UPLOAD_FOLDER"] = app.config["UPLOAD_FOLDER"]
    yield limited.test_client()
    limiter.reset()
    limiter.enabled = was_enabled


def test_too_many_sends_from_one_address_get_429_with_the_text_kept(limited_client, make_period):
    period_id = make_period()
    for n in range(2):
        response = send(limited_client, period_id,
                        confirmed_data(limited_client, period_id, opinion(f"意見{n}", email="same@example.jp")))
        assert response.status_code == 303
    data = confirmed_data(limited_client, period_id, opinion("三通目の大事な意見です。", email="same@example.jp"))
    response = send(limited_client, period_id, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "三通目の大事な意見です。" in html and "短い時間に多くの送信があった" in html
    assert data["idempotency_key"] in html


def test_too_many_sends_from_one_ip_get_429(limited_client, make_period):
    period_id = make_period()
    statuses = [send(limited_client, period_id, confirmed_data(limited_client, period_id, opinion(f"意見{n}"))).status_code
                for n in range(4)]
    assert statuses == [303, 303, 303, 429]


@pytest.mark.services
def test_both_send_limits_cost_one_round_trip_to_redis_and_still_hold(app, make_period, monkeypatch):
    """On Redis the per-address and per-email limits are counted by one script call, not one each."""
    import os

    from redis.connection import Connection

    class RedisLimitedConfig(LimitedConfig):
        RATELIMIT_STORAGE_URI = os.environ["TEST_REDIS_URL"]

    was_enabled = limiter.enabled
    limited = create_app(RedisLimitedConfig)
    limited.config["UPLOAD_FOLDER"] = app.config["UPLOAD_FOLDER"]
    client = limited.test_client()
    trips: list[bytes] = []
    original = Connection.send_packed_command

    def counting(conn, command, check_health=True):
        packed = b"".join(command) if isinstance(command, list) else bytes(command)
        if b"LIMITER" in packed:
            trips.append(packed)
        return original(conn, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    try:
        period_id = make_period()
        statuses = []
        for n in range(3):
            data = confirmed_data(client, period_id, opinion(f"意見{n}", email="same@example.jp"))
            trips.clear()
            response = send(client, period_id, data)
            statuses.append(response.status_code)
            if n == 1:  # the first call may load the script into Redis first
                assert len(trips) == 1, trips
        assert statuses == [303, 303, 429]
        assert int(response.headers["Retry-After"]) > 0
    finally:
        limiter.reset()
        limiter.enabled = was_enabled


def test_a_send_goes_through_while_the_rate_limit_store_is_down(app, make_period):
    """The limits counted together still fall back to memory when Redis cannot be reached."""

    class DeadStoreConfig(LimitedConfig):
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    was_enabled = limiter.enabled
    limited = create_app(DeadStoreConfig)
    limited.config["UPLOAD_FOLDER"] = app.config["UPLOAD_FOLDER"]
    client = limited.test_client()
    try:
        period_id = make_period()
        statuses = [send(client, period_id, confirmed_data(client, period_id, opinion(f"意見{n}"))).status_code
                    for n in range(4)]
        # Counted in memory meanwhile: the per-address limit of 3 still holds.
        assert statuses == [303, 303, 303, 429]
    finally:
        limiter._fallback_storage.reset()  # the dead store itself cannot be reset
        limiter._storage_dead = False
        create_app(LimitedConfig)  # the limiter is one per process: leave it on a store that answers
        limiter.reset()
        limiter.enabled = was_enabled
