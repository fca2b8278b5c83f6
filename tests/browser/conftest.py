"""Browser tests: Debian's Chromium driven by Playwright, the app served from a thread.

The server shares the test database connection, so the rows a test makes are what the browser sees.
Never `playwright install`: the browser is /usr/bin/chromium from Debian.
"""

import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.digests.conftest import campaign_period, make_period  # noqa: F401  (the digests' campaign)

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not os.path.exists(CHROMIUM):
                if os.environ.get("CI"):
                    continue  # fails loudly when launched: CI must install chromium
                item.add_marker(pytest.mark.skip(reason="Debian chromium is not installed (apt-get install chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def axe_check():
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]},
                                        "resultTypes": ["violations"]})
        assert result.violations_count == 0, result.generate_report()

    return check


@pytest.fixture
def switch_language():
    def switch(page, lang: str):
        submit(page, f"form.lang-switch button[value={lang}]")
        assert page.locator("html").get_attribute("lang") == lang

    return switch


def submit(page, selector: str) -> None:
    """Click a submit control and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def browser_login(page, live_server, email, password="correct horse battery"):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    submit(page, "main form input[type=submit]")
    assert "/login" not in page.url, "login failed"
