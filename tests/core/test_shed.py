"""Overload shed: a request that waited too long in gunicorn's queue gets 503 + Retry-After at once."""

import time

from app.submissions.models import Submission
from tests.conftest import csrf_token
from tests.submissions.conftest import confirmed_data, opinion, send

BODY = "締切直前に書いた長い意見です。市民活動センターの開館時間を夜9時まで延ばしてください。"


def queued(seconds_ago: float) -> dict:
    """What gunicorn.conf.py's hook puts in the environ: when the request entered the worker's queue."""
    return {"meyasu.queued_at": time.monotonic() - seconds_ago}


def test_a_send_that_waited_too_long_gets_503_with_retry_after_and_the_text_kept(app, client, make_period,
                                                                               count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(BODY))
    response = client.post(f"/periods/{period_id}/submit/send", data=data, environ_base=queued(5))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(app.config["SHED_RETRY_AFTER"])
    html = response.get_data(as_text=True)
    assert BODY in html
    assert data["idempotency_key"] in html  # pressing Send again cannot make a second submission
    assert f'action="/periods/{period_id}/submit/send"' in html
    assert data["csrf_token"] in html  # the token it carried: pressing Send again passes the CSRF check
    assert count_rows(Submission) == 0
    # Sent again once the crowd has passed, it goes through.
    assert send(client, period_id, data).status_code == 303
    assert count_rows(Submission) == 1


def test_the_kept_text_is_labelled_as_on_the_form_and_the_keys_stay_hidden(client, make_period):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(BODY, name="下関 花子"))
    html = client.post(f"/periods/{period_id}/submit/send", data=data, environ_base=queued(5)).get_data(as_text=True)
    assert '意見1 <span lang="en">/ Opinion 1</span></label><textarea id="kept-' in html
    assert '氏名 <span lang="en">/ Name</span></label>' in html
    assert "entries-0-body</label>" not in html and ">name</label>" not in html
    for name in ("idempotency_key", "consent", "homepage", "entries-0-section"):
        assert f'<input type="hidden" name="{name}" value="' in html, name
    assert '<textarea id="kept-0" name="idempotency_key"' not in html
    # The relation to the city was chosen from a list: kept as chosen, not shown as its code ("resident") in a
    # box of text the person could turn into something the form does not offer.
    assert '<input type="hidden" name="attribute" value="resident">' in html
    assert 'name="attribute" rows=' not in html


def test_the_busy_page_speaks_japanese_and_english(client, make_period):
    period_id = make_period()
    html = client.get(f"/periods/{period_id}", environ_base=queued(60)).get_data(as_text=True)
    assert "混み合って" in html and "busy" in html


def test_a_confirm_that_waited_too_long_is_shed_with_the_text_kept(client, make_period):
    period_id = make_period()
    response = client.post(f"/periods/{period_id}/submit/confirm", data=opinion(BODY), environ_base=queued(2))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert BODY in response.get_data(as_text=True)


def test_a_short_wait_is_served_as_usual(client, make_period):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(BODY))
    assert client.post(f"/periods/{period_id}/submit/send", data=data, environ_base=queued(0.2)).status_code == 303


def test_pages_are_shed_only_after_the_longer_wait(app, client, make_period):
    period_id = make_period()
    assert client.get(f"/periods/{period_id}", environ_base=queued(2)).status_code == 200
    response = client.get(f"/periods/{period_id}", environ_base=queued(app.config["SHED_ANY_WAIT_MS"] / 1000 + 1))
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_limits_come_from_the_config(app, client, make_period):
    period_id = make_period()
    saved = app.config["SHED_FORM_WAIT_MS"]
    app.config["SHED_FORM_WAIT_MS"] = 0  # 0 turns the form limit off
    try:
        data = {**opinion(BODY), "csrf_token": csrf_token(client, f"/periods/{period_id}/submit")}
        response = client.post(f"/periods/{period_id}/submit/confirm", data=data, environ_base=queued(2))
    finally:
        app.config["SHED_FORM_WAIT_MS"] = saved
    assert response.status_code == 200


def test_a_confirmed_send_waits_longer_than_a_new_confirmation_before_it_is_shed(app, client, make_period,
                                                                                 count_rows):
    period_id = make_period()
    data = confirmed_data(client, period_id, opinion(BODY))
    # Between the two limits: the new confirmation is shed, the send of a confirmed form goes through.
    between = (app.config["SHED_FORM_WAIT_MS"] + app.config["SHED_SEND_WAIT_MS"]) / 2000
    shed = client.post(f"/periods/{period_id}/submit/confirm", data={**opinion(BODY), "csrf_token": data["csrf_token"]},
                       environ_base=queued(between))
    assert shed.status_code == 503
    assert client.post(f"/periods/{period_id}/submit/send", data=data, environ_base=queued(between)).status_code == 303
    assert count_rows(Submission) == 1


def test_kept_labels_are_found_once_per_name_and_a_made_up_name_is_not_remembered_past_the_bound(app):
    from app.core.shed import KeptLabels, kept_label, kept_labels

    with app.app_context():
        labels = kept_labels()
    names = ["entries-0-body", "entries-3-body", "name", "idempotency_key", "not-a-field"]
    assert [labels.of(name) for name in names] == [kept_label(labels.patterns, name) for name in names]
    assert labels.of("entries-3-body") == "意見4" and labels.of("idempotency_key") is None
    assert labels.of("not-a-field") == "not-a-field"  # a field no feature names: under its own name
    assert set(labels.found) == set(names)
    for n in range(KeptLabels.REMEMBERED + 50):
        assert labels.of(f"made-up-{n}") == f"made-up-{n}"
    assert len(labels.found) == KeptLabels.REMEMBERED
