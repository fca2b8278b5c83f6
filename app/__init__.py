"""Meyasu: public comment and workshop participation for Japanese cities."""

from importlib import import_module
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale

ROOT = Path(__file__).resolve().parent.parent
# Each feature is a package with ``init_app(app)``; its translations live beside it.
FEATURES = ("core", "accounts", "plans", "periods", "plantext", "submissions", "moderation", "responses", "privacy",
            "workshops", "surveys", "jobs", "digests", "reading", "council", "printkit", "follow", "api")


def create_app(config: type | None = None) -> Flask:
    from config import Config, config_for

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    # Compiled templates kept in a dict. Jinja's default, an LRU cache of 400, finds a template by scanning a
    # deque of its keys on every lookup (each extends, include and import): with the page templates a worker
    # compiles at its start (``formatting.compile_page_templates``) a lookup took 7 µs instead of 1
    # (bench/README.md, twenty-seventh session). The names are the files in templates/, so the dict is bounded.
    app.jinja_options = {**app.jinja_options, "cache_size": -1}
    app.config.from_object(config or config_for())
    Config.check(app.config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(ROOT / "app" / feature / "translations") for feature in FEATURES
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)

    for feature in FEATURES:
        import_module(f"app.{feature}").init_app(app)
    # What the features declare for every request (menu, cached pages, the shed's forms), once all are in.
    from app.core import collect_declarations

    collect_declarations(app)
    if app.config["TRUSTED_PROXIES"]:
        # The citizen's own address and scheme, as the reverse proxy saw them (see config.py).
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app
