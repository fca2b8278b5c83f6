"""The guest's private page: what a cancellation reads as, a step before it, the link as text for a
guest who gets no mail, and the link's secret kept out of caches and logs."""

import html as html_lib
import logging
import re

from app.workshops.models import Registration
from tests.conftest import csrf_token
from tests.workshops.conftest import token_of


def page(client, token):
    return client.get(f"/workshops/registration/{token}")


def test_own_cancellation_reads_as_cancelled_not_as_called_off(app, client, make_workshop, sign_up):
    registration_id, _ = sign_up(make_workshop())
    token = token_of(app, registration_id)
    client.post(f"/workshops/registration/{token}/cancel",
                data={"csrf_token": csrf_token(client, f"/workshops/registration/{token}/cancel")})
    html = page(client, token).get_data(as_text=True)
    assert "キャンセル済み" in html
    assert "中止" not in html  # 中止 means the city called the workshop off
    assert "カレンダーに追加" not in html and "workshop.ics" not in html


def test_cancelling_asks_first_and_keeping_changes_nothing(app, client, make_workshop, sign_up):
    registration_id, _ = sign_up(make_workshop())
    token = token_of(app, registration_id)
    html = page(client, token).get_data(as_text=True)
    assert f'action="/workshops/registration/{token}/cancel"' not in html  # no one-click cancel
    assert f'href="/workshops/registration/{token}/cancel"' in html
    confirm = client.get(f"/workshops/registration/{token}/cancel")
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and confirm.headers["Cache-Control"] == "no-store"
    assert "申込みをキャンセルしますか" in body and f'action="/workshops/registration/{token}/cancel"' in body
    assert f'href="/workshops/registration/{token}"' in body  # keep it
    with app.app_context():
        from app.extensions import db

        assert db.session.get(Registration, registration_id).status == "confirmed"
    assert client.get("/workshops/registration/wrong/cancel").status_code == 404


def test_cancelled_sign_up_goes_straight_back_from_the_confirmation_step(app, client, make_workshop, sign_up):
    registration_id, _ = sign_up(make_workshop())
    token = token_of(app, registration_id)
    client.post(f"/workshops/registration/{token}/cancel",
                data={"csrf_token": csrf_token(client, f"/workshops/registration/{token}/cancel")})
    response = client.get(f"/workshops/registration/{token}/cancel")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/workshops/registration/{token}")


def test_phone_only_guest_is_shown_the_private_link_as_text(app, client, make_workshop, sign_up):
    registration_id, _ = sign_up(make_workshop(), phone="083-231-1111", email="")
    token = token_of(app, registration_id)
    response = page(client, token)
    html = html_lib.unescape(response.get_data(as_text=True))
    assert re.search(rf'<code class="private-url">http[^<]*/workshops/registration/{token}</code>', html)
    assert "メールはお送りしません" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_guest_with_an_email_is_not_told_no_mail_comes(app, client, make_workshop, sign_up):
    registration_id, _ = sign_up(make_workshop(), email="hanako@example.jp")
    html = page(client, token_of(app, registration_id)).get_data(as_text=True)
    assert "メールはお送りしません" not in html


def test_private_link_token_is_kept_out_of_the_logs(app, caplog):
    from app.core.errors import unexpected
    from app.core.logsafe import loggable_path

    token = "0123456789abcdef0123456789abcdef01234567"
    assert token not in loggable_path(f"GET /workshops/registration/{token}/cancel HTTP/1.1")
    assert loggable_path("/workshops/3/register") == "/workshops/3/register"
    with app.test_request_context(f"/workshops/registration/{token}"), caplog.at_level(logging.ERROR):
        try:
            raise RuntimeError("boom")
        except RuntimeError as error:
            unexpected(error)
    assert caplog.records and all(token not in record.getMessage() for record in caplog.records)


def test_gunicorn_access_log_hides_the_token():
    import runpy
    from types import SimpleNamespace

    from gunicorn.config import Config

    token = "0123456789abcdef0123456789abcdef01234567"
    logger = runpy.run_path("gunicorn.conf.py")["logger_class"](Config())
    request = SimpleNamespace(method="GET", path=f"/workshops/registration/{token}", query="", uri="",
                              version=(1, 1), headers=[])
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/workshops/registration/{token}", "PATH_INFO": "",
               "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": f"https://city.example.jp/workshops/registration/{token}"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    from datetime import timedelta

    atoms = logger.atoms(response, request, environ, timedelta(seconds=0.1))
    assert token not in repr(atoms)
