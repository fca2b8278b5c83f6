from config import TestConfig


def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/plans", "/login", "/does-not-exist"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_is_httponly_and_lax(client):
    response = client.get("/language", query_string={"lang": "en", "next": "/"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_config_sets_secure_cookies():
    from config import Config

    assert Config.SESSION_COOKIE_SECURE and Config.REMEMBER_COOKIE_SECURE
    assert Config.REMEMBER_COOKIE_DURATION.days <= 30


def test_production_refuses_to_start_without_a_secret():
    import pytest

    from config import Config

    with pytest.raises(RuntimeError):
        Config.check({"ENV_NAME": "production", "SECRET_KEY": None})
    with pytest.raises(RuntimeError):
        Config.check({"ENV_NAME": "production", "SECRET_KEY": "development-only-not-secret"})
    Config.check({"ENV_NAME": "production", "SECRET_KEY": "a-real-secret"})


def test_production_starts_with_the_secret_set_in_the_environment():
    """The environment's SECRET_KEY also becomes development's: it must not count as the development key."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = "import config; config.Config.check({'ENV_NAME': 'production', 'SECRET_KEY': 'from-the-env'})"
    env = {**os.environ, "SECRET_KEY": "from-the-env", "MEYASU_ENV": "production"}
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_post_without_csrf_token_is_refused_and_keeps_the_text(client, make_period):
    """On a citizen's form; staff forms get a plain page (tests/security/test_csrf.py)."""
    period_id = make_period()
    long_text = "下関市の市民活動について、午後いっぱいかけて書いた意見です。<script>alert(1)</script>"
    response = client.post(f"/periods/{period_id}/submit/confirm", data={
        "name": "下関 花子", "attribute": "resident", "entries-0-body": long_text, "consent": "y"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "もう一度送信してください" in html
    # The text is still there, escaped, ready to send again with a fresh token.
    assert "午後いっぱいかけて書いた意見です。&lt;script&gt;" in html
    assert 'name="csrf_token"' in html
    assert "<script>alert(1)</script>" not in html


def test_the_csrf_page_never_writes_a_password_back(client):
    response = client.post("/login", data={"email": "a@example.jp", "password": "hunter2-secret-words"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "hunter2-secret-words" not in html


def test_language_switch_changes_html_lang_and_text(client):
    assert '<html lang="ja">' in client.get("/").get_data(as_text=True)
    client.get("/language", query_string={"lang": "en", "next": "/plans"})
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Skip to main content" in html


def test_language_switch_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/language", query_string={"lang": "en", "next": target})
        assert response.status_code == 303
        assert response.headers["Location"] == "/"


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)


class BehindProxyConfig(TestConfig):
    TRUSTED_PROXIES = 1


def test_behind_the_proxy_each_citizen_is_known_by_their_own_address(committing_db):
    """Rate limits and the audit log key on request.remote_addr: behind nginx it must be the citizen's,
    not the proxy's 127.0.0.1 (else one limit for the whole city); without a proxy, the header is ignored."""
    from flask import request
    from flask_limiter.util import get_remote_address

    from app import create_app

    seen = []
    for config in (BehindProxyConfig, TestConfig):
        application = create_app(config)
        application.add_url_rule("/_address", "address", lambda: f"{get_remote_address()} {request.scheme}")
        client = application.test_client()
        seen.append([client.get("/_address", headers={"X-Forwarded-For": address, "X-Forwarded-Proto": "https"},
                                environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
                     for address in ("203.0.113.5", "198.51.100.7")])
    assert seen[0] == ["203.0.113.5 https", "198.51.100.7 https"]
    assert seen[1] == ["127.0.0.1 http", "127.0.0.1 http"]
