"""The page shown while the database is down passes axe, both as a page and with a form's text kept."""

import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.core.test_unavailable import BODY, DatabaseDownConfig


@pytest.fixture
def down_server(app, committing_db):
    """A second app whose database refuses connections, served like the live server."""
    down = create_app(DatabaseDownConfig)
    down.config["UPLOAD_FOLDER"] = app.config["UPLOAD_FOLDER"]
    server = make_server("127.0.0.1", 0, down, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_unavailable_page_and_its_kept_form_have_no_axe_violations(page, down_server, axe_check):
    response = page.goto(f"{down_server}/periods/1")
    assert response.status == 503
    axe_check(page)
    # A send while the database is down: the page that gives the text back, with a button to resend.
    page.evaluate("""([action, body]) => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = action;
        for (const [name, value] of [["entries-0-body", body], ["name", "下関 花子"]]) {
            const input = document.createElement("input");
            input.type = "hidden"; input.name = name; input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
    }""", ["/periods/1/submit/send", BODY])
    page.wait_for_load_state()
    assert page.locator("textarea").first.input_value() == BODY
    axe_check(page)
