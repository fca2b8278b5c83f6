"""Helpers for submissions: the web form walked the way a browser does it."""

import re

from tests.conftest import csrf_token

KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


def opinion(body="市民活動センターの開館時間を夜9時まで延ばしてください。", *, section="", name="下関 花子",
            attribute="resident", **extra):
    data = {"name": name, "attribute": attribute, "entries-0-section": section, "entries-0-body": body,
            "consent": "y", "homepage": ""}
    data.update(extra)
    return data


def confirm(client, period_id, data):
    data = {**data, "csrf_token": csrf_token(client, f"/periods/{period_id}/submit")}
    return client.post(f"/periods/{period_id}/submit/confirm", data=data)


def confirmed_data(client, period_id, data):
    """What the confirmation page posts on: the same values plus its idempotency key and token."""
    response = confirm(client, period_id, data)
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    html = response.get_data(as_text=True)
    match = KEY.search(html)
    assert match, "no idempotency key on the confirmation page"
    return {**data, "idempotency_key": match.group(1), "csrf_token": csrf_token(client, f"/periods/{period_id}/submit")}


def send(client, period_id, data, files=None):
    payload = dict(data)
    if files:
        payload["attachments"] = files
    return client.post(f"/periods/{period_id}/submit/send", data=payload, content_type="multipart/form-data")


def submit(client, period_id, data=None, files=None):
    return send(client, period_id, confirmed_data(client, period_id, data or opinion()), files)


def look_up(client, receipt, secret):
    """The lookup form as a person sends it: POSTed, so the code is in no URL."""
    return client.post("/lookup", data={"receipt": receipt, "secret": secret, "csrf_token": csrf_token(client, "/lookup")})


def receipt_of(client, response):
    """The receipt page a send's redirect leads to: (receipt number, lookup code, html)."""
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r'receipt-no">([^<]+)', html).group(1)
    code = re.search(r"<code>([A-Z2-7-]{19})</code>", html).group(1)
    return number, code, html
