"""Object-level access: the ids of another period's, workshop's or submission's objects, put in
every URL and in the forms that name objects, are refused and change nothing."""

import pytest
from flask import url_for
from sqlalchemy import select

from app.extensions import db
from tests.security.conftest import token_for
from tests.security.routes import DEFAULT_VALUES, TABLE, lookup

# Rows that record that something was tried (audit, jobs, mail, login times) may change; nothing else.
BOOKKEEPING = {"audit_log", "outbox_jobs", "mail_deliveries", "job_runs", "users"}


def fingerprint(app) -> dict[str, list[tuple]]:
    with app.app_context():
        return {table.name: sorted(tuple(str(value) for value in row) for row in db.session.execute(select(table)))
                for table in db.metadata.sorted_tables if table.name not in BOOKKEEPING}


def _diff(before, after) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _mixed_urls(app, ids):
    """Every route with a parent and a child id, with one child id taken from department B."""
    for rule in app.url_map.iter_rules():
        table_rule = TABLE.get(rule.endpoint)
        args = [arg for arg in rule.arguments if arg not in ("fmt", "kind", "subject_kind", "index", "filename", "token", "job_id")]
        if table_rule is None or len(args) < 2:
            continue
        mapping = {**DEFAULT_VALUES, **table_rule.values}
        for swapped in args[1:]:
            key = mapping[swapped]
            if not key.startswith("a."):
                continue
            values = {arg: lookup(ids, mapping[arg]) for arg in rule.arguments}
            values[swapped] = lookup(ids, "b." + key[2:])
            with app.test_request_context():
                url = url_for(rule.endpoint, **values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url, swapped


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_child_ids_of_another_department_in_urls_are_refused(app, world, clients, role):
    client = clients[role]
    token = token_for(client)
    problems = []
    for method, url, swapped in _mixed_urls(app, world.ids):
        before = fingerprint(app) if method == "POST" else None
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        if method == "GET" and response.status_code not in (403, 404):
            problems.append(f"GET {url} ({swapped} of B) as {role}: {response.status_code}")
        if method == "POST":
            if response.status_code >= 500:
                problems.append(f"POST {url} ({swapped} of B) as {role}: {response.status_code}")
            changed = _diff(before, fingerprint(app))
            if changed:
                problems.append(f"POST {url} ({swapped} of B) as {role} changed {changed}")
    assert problems == [], "\n".join(problems)


def test_staff_of_one_department_reach_no_object_of_another(app, world, clients):
    """Department A's staff, given B's ids in every per-department URL, get 403 and change nothing."""
    client = clients["staff"]
    token = token_for(client)
    problems = []
    for rule in app.url_map.iter_rules():
        table_rule = TABLE.get(rule.endpoint)
        if table_rule is None or table_rule.who != frozenset({"staff", "admin"}) or not rule.arguments:
            continue
        mapping = {**DEFAULT_VALUES, **table_rule.values}
        if not all(mapping[arg].startswith(("a.", "=")) for arg in rule.arguments):
            continue
        values = {arg: lookup(world.ids, ("b." + mapping[arg][2:]) if mapping[arg].startswith("a.") else mapping[arg])
                  for arg in rule.arguments}
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            before = fingerprint(app) if method == "POST" else None
            response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
            if response.status_code not in (403, 404):
                problems.append(f"{method} {url} as staff of A: {response.status_code}")
            if before is not None and _diff(before, fingerprint(app)):
                problems.append(f"{method} {url} as staff of A changed {_diff(before, fingerprint(app))}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", ["staff_other", "moderator"])
def test_a_staff_export_with_personal_data_is_followed_only_by_its_department(app, world, clients, role):
    client = clients[role]
    run_id = world.ids["staff_run"]
    for url in (f"/jobs/runs/{run_id}", f"/jobs/runs/{run_id}.json", f"/jobs/runs/{run_id}/files/0",
                f"/staff/exports/{run_id}/csv"):
        assert client.get(url).status_code == 403, url
    own = clients["staff"]
    assert own.get(f"/jobs/runs/{run_id}").status_code == 200
    assert own.get(f"/staff/exports/{run_id}/csv").status_code == 200


def _post(client, url, data):
    return client.post(url, data={"csrf_token": token_for(client), **data})


def test_form_fields_naming_objects_of_another_period_change_nothing(app, world, clients):
    a, b = world.ids["a"], world.ids["b"]
    moderator, staff = clients["moderator"], clients["staff"]
    attempts = [
        (moderator, f"/moderation/opinions/{a['opinion']}",
         {"section": str(b["section"]), "summary": "要約", "excerpt": "開館時間", "tags": str(b["tag"])}),
        (moderator, f"/moderation/opinions/{a['lone']}/group", {"group": str(b["group"])}),
        (moderator, f"/moderation/periods/{a['period']}/opinions",
         {"opinion_ids": [str(b["opinion"]), str(b["lone"])], "action": "accept"}),
        (moderator, f"/moderation/periods/{a['period']}/opinions",
         {"opinion_ids": [str(a["lone"])], "action": "tag", "tag": str(b["tag"])}),
        (moderator, f"/moderation/submissions/{a['submission']}/opinions",
         {"entry": str(b["submission"]), "excerpt": "別の期間の本文", "summary": "x"}),
        (staff, f"/staff/periods/{a['period']}/responses/group/{a['group']}/copy", {"source": str(b["response"])}),
        (staff, f"/staff/periods/{a['period']}/responses/group/{a['group']}/changes",
         {"section": str(b["section"]), "before": "前", "after": "後"}),
        (clients["facilitator"], f"/facilitate/workshops/{a['workshop']}/groups/assign",
         {f"group-{a['registration']}": str(b["wgroup"]), f"group-{b['registration']}": str(a["wgroup"])}),
        (clients["facilitator"], f"/facilitate/workshops/{a['workshop']}/check-in", {"code": b["checkin"]}),
    ]
    problems = []
    for client, url, data in attempts:
        before = fingerprint(app)
        response = _post(client, url, data)
        if response.status_code >= 500:
            problems.append(f"POST {url} {data}: {response.status_code}")
        changed = _diff(before, fingerprint(app))
        if changed:
            problems.append(f"POST {url} {data} changed {changed}")
    assert problems == [], "\n".join(problems)


def test_a_citizen_cannot_point_an_opinion_at_another_periods_section(app, world):
    client = app.test_client()
    a, b = world.ids["a"], world.ids["b"]
    token = token_for(client)
    response = client.post(f"/periods/{a['period']}/submit/confirm", data={
        "csrf_token": token, "name": "下関 花子", "attribute": "resident", "consent": "y",
        "entries-0-section": str(b["section"]), "entries-0-body": "別の期間の章を指す意見です。"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "この案の項目から選んでください。" in html  # the form again, with the error; no confirmation page
    assert 'name="idempotency_key" type="hidden" value="' not in html or "submit/send" not in html
