"""Every route × every role, generated from the URL map: the status each role gets, the headers on
every page, the flags on every cookie, and CSRF refused on every POST with nothing changed.

The per-feature route tests (tests/moderation/test_routes.py and others) test what a route does;
this is the net under all of them: a new route without a rule in ``routes.TABLE`` fails here.
"""

from sqlalchemy import func, select

from app.extensions import db
from tests.security.conftest import LOGIN_REDIRECT, ROLES, token_for, undo_after
from tests.security.routes import PUBLIC, TABLE, allowed, is_api, rule_for, url_values

# 422: the responses pages answer a form with errors so.
ALLOWED_STATUSES = {200, 201, 204, 301, 302, 303, 307, 400, 409, 410, 422}
# POSTs that end the client's session: sent last, once the rest of the matrix has run.
LAST = ("accounts.logout",)


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _request(app, client, rule, method, ids, *, token=None, undo=True):
    table_rule = rule_for(rule.endpoint)
    path_values, query = url_values(rule, table_rule, ids)
    with app.test_request_context():
        from flask import url_for

        url = url_for(rule.endpoint, **path_values, **(query if method == "GET" else {}))
    if method == "GET":
        return url, client.get(url)
    data = {"csrf_token": token} if token else {}
    if not undo:
        return url, client.post(url, data=data)
    savepoint = undo_after(app)
    try:
        return url, client.post(url, data=data)
    finally:
        savepoint.rollback()


def _verdict(rule, role: str, response) -> str | None:
    """None when the status is what the table says; else what went wrong."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if allowed(rule, role):
        if role != "nobody" and LOGIN_REDIRECT.search(location):
            return "allowed role sent to log in"
        if status in ALLOWED_STATUSES or status in rule.ok:
            return None
        return f"allowed role got {status}"
    if role == "nobody":
        if status == 302 and LOGIN_REDIRECT.search(location):
            return None
        return f"nobody got {status} (expected a redirect to /login)"
    return None if status == 403 else f"got {status} (expected 403)"


def test_every_endpoint_has_a_rule(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules() if rule_for(rule.endpoint) is None]
    assert missing == [], (
        f"These endpoints have no rule in tests/security/routes.py TABLE: {sorted(set(missing))}. Add each with "
        "who may use it (PUBLIC, LOGGED_IN or a set of roles) so that the route × role matrix covers it.")
    stale = sorted(set(TABLE) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert stale == [], f"TABLE names endpoints that no longer exist: {stale}"


def test_api_endpoints_are_public_get_only(app):
    for rule in app.url_map.iter_rules():
        if is_api(rule.endpoint):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, f"{rule.endpoint} is not GET only"
            assert rule_for(rule.endpoint).who == PUBLIC


def _check_headers(url: str, response, problems: list[str]) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        if directive not in csp:
            problems.append(f"GET {url}: CSP lacks {directive} ({csp!r})")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"GET {url}: no nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append(f"GET {url}: no Referrer-Policy")


def _check_cookies(url: str, response, problems: list[str]) -> None:
    for cookie in response.headers.getlist("Set-Cookie"):
        if "HttpOnly" not in cookie or "SameSite=" not in cookie:
            problems.append(f"{url}: cookie without HttpOnly/SameSite: {cookie}")


def test_route_role_matrix_headers_and_cookies(app, world, clients):
    """GET every GET route and POST every POST route (valid token, no data) as every role."""
    problems: list[str] = []
    routes = list(_routes(app))
    ordered = ([r for r in routes if r[1] == "GET"] + [r for r in routes if r[1] != "GET" and r[0].endpoint not in LAST]
               + [r for r in routes if r[1] != "GET" and r[0].endpoint in LAST])
    tokens = {role: token_for(clients[role]) for role in ROLES}
    for rule, method in ordered:
        table_rule = rule_for(rule.endpoint)
        for role in ROLES:
            try:
                url, response = _request(app, clients[role], rule, method, world.ids, token=tokens[role])
            except Exception as exc:  # noqa: BLE001  (a 500 in production: report it with the others)
                problems.append(f"{method} {rule.rule} as {role}: raised {type(exc).__name__}: {exc}")
                continue
            wrong = _verdict(table_rule, role, response)
            if wrong:
                problems.append(f"{method} {url} as {role}: {wrong}")
            if method == "GET":
                _check_headers(url, response, problems)
            _check_cookies(url, response, problems)
    assert problems == [], "\n".join(problems)


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name != "audit_log"}


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(app, world, clients):
    problems = []
    for rule, method in _routes(app):
        if method != "POST":
            continue
        table_rule = rule_for(rule.endpoint)
        role = next(r for r in ("admin", "staff", "moderator", "facilitator", "nobody") if allowed(table_rule, r))
        with app.app_context():
            before = _row_counts()
        url, response = _request(app, clients[role], rule, method, world.ids, undo=False)
        with app.app_context():
            after = _row_counts()
        if response.status_code != 400:
            problems.append(f"POST {url} as {role} without a token: {response.status_code}")
        changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
        if changed:
            problems.append(f"POST {url} as {role} without a token changed rows: {changed}")
    assert problems == [], "\n".join(problems)
