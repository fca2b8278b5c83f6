"""The app a real gunicorn runs in tests/core/test_shed_worker.py: Meyasu on SQLite in memory, with one
route that holds its thread until the test lets it go (a file appears). Pages and new forms may not
wait at all in the worker's loop; the WSGI shed behind it is left out of the way (a minute)."""

import os
import time
from pathlib import Path

from config import TestConfig


def make():
    from app import create_app

    app = create_app(TestConfig)
    app.config.update(SHED_PAGE_WAIT_MS=1, SHED_FORM_WAIT_MS=1, SHED_ANY_WAIT_MS=60_000, SHED_SEND_WAIT_MS=60_000)
    folder = Path(os.environ["SHED_TEST_DIR"])

    @app.get("/_test/hold")
    def hold():
        (folder / "started").write_text(str(os.getpid()))
        deadline = time.monotonic() + 30
        while not (folder / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return "held"

    @app.get("/_test/pid")
    def pid():
        return str(os.getpid())

    return app
