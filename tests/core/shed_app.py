"""The app a real gunicorn runs in tests/core/test_shed_worker.py: Meyasu on SQLite in memory, with one
route that holds its thread until the test lets it go (a file appears). Pages and new forms may not
wait at all in the worker's loop; the WSGI shed behind it is left out of the way (a minute)."""

import os
import time
from pathlib import Path

from config import TestConfig


def make():
    from app import create_app

    folder = Path(os.environ["SHED_TEST_DIR"])
    config = TestConfig
    if os.environ.get("SHED_TEST_PAGE_CACHE"):  # real pages, kept; the generation read once a minute at most
        from app.core import pagecache

        class KeptConfig(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'pages.sqlite3'}"
            PUBLIC_PAGE_CACHE_SECONDS = 60

        config = KeptConfig
        pagecache.GENERATION_CHECK_SECONDS = float(os.environ.get("SHED_TEST_GENERATION_SECONDS", "60"))
    app = create_app(config)
    app.config.update(SHED_PAGE_WAIT_MS=1, SHED_FORM_WAIT_MS=1, SHED_ANY_WAIT_MS=60_000,
                      SHED_SEND_WAIT_MS=int(os.environ.get("SHED_TEST_SEND_WAIT_MS", "60000")))
    # A page a send leads to, as the gate learns the receipt from the send's redirect.
    declared = app.extensions["meyasu_shed"]
    app.extensions["meyasu_shed"] = declared | {"sends": declared["sends"] | {"receipt"}}
    if config is not TestConfig:
        from app.extensions import db

        with app.app_context():
            db.create_all()

    @app.get("/_test/hold")
    def hold():
        (folder / "started").write_text(str(os.getpid()))
        deadline = time.monotonic() + 30
        while not (folder / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return "held"

    @app.get("/_test/receipt")
    def receipt():
        return "the receipt"

    @app.get("/_test/web-process")
    def web_process():
        return str(app.config["WEB_PROCESS"])

    @app.get("/_test/pid")
    def pid():
        return str(os.getpid())

    @app.get("/_test/templates")
    def templates():
        cached = {name for _loader, name in app.jinja_env.cache}
        pages = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
        return f"{sum(name in cached for name in pages)}/{len(pages)}"

    @app.get("/_test/frozen")
    def frozen():
        import gc

        return str(gc.get_freeze_count())

    return app


def bare():
    """A WSGI app that is not Meyasu, as the benchmark's bare one: it tells which worker answered."""
    from flask import Flask

    app = Flask("bare", template_folder=None)  # no templates: not the repository's

    @app.get("/_test/pid")
    def pid():
        return str(os.getpid())

    return app
