"""Shared pieces every feature uses: time, sanitising, audit log, jobs, errors, headers."""

import re
import time

import click
from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from app.extensions import db


def _configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave like a real database: foreign keys on, and transactions we control.

    pysqlite otherwise opens transactions lazily and breaks SAVEPOINT, which tests and receipt
    numbering rely on. Writers take the write lock when they begin (BEGIN IMMEDIATE), so two
    submissions queue for it instead of failing halfway; page views (GET) begin as readers, and
    write-ahead logging lets them read while a worker writes.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")  # an in-memory database answers "memory" and stays so
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        reading = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _configure_postgresql(engine: Engine, settings: dict[str, str]) -> None:
    """Settings each new connection makes once, in one round trip (a SET rather than a startup option,
    which a connection pooler such as PgBouncer may refuse): see ``postgresql_settings``."""
    sql = "; ".join(f"SET {name} = '{value}'" for name, value in settings.items())

    @event.listens_for(engine, "connect", insert=True)
    def _on_connect(dbapi_connection, record):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute(sql)
        cursor.close()
        dbapi_connection.autocommit = autocommit


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """A pooled connection is asked ``SELECT 1`` before use only when it sat in the pool longer than
    ``idle_seconds`` (``DATABASE_PING_IDLE_MS``); a failed ping renews the pool, as SQLAlchemy's
    ``pool_pre_ping`` does. That setting pinged before every transaction: a round trip for the process and
    the database on each send, each page that reads, and each of a receipt mail's two transactions, to
    learn what a connection used a moment ago already tells. A database restarted while the site is
    busy costs instead one request per process the busy page (``errors.py``, fields kept) and renews that
    process's pool; after a quiet while, a restart or a connection a firewall dropped costs nothing."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        since = record.info.pop("idle_since", None)  # none: made just now
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.InvalidatePoolError(f"ping after {time.monotonic() - since:.0f} s idle failed") from error


def postgresql_settings(config) -> dict[str, str]:
    """What the app's PostgreSQL connections set.

    - JIT compiling off unless ``DATABASE_JIT``: PostgreSQL compiles a query's expressions to machine code
      when its cost estimate passes a threshold, as counting over a period of 100,000 opinions does:
      100–130 ms of compiling for a query that runs in 50–200 ms, on every staff page that counts.
    - In a web process (``WEB_PROCESS``: gunicorn's), time limits for a statement and for a lock wait
      (``WEB_STATEMENT_TIMEOUT_MS``, ``WEB_LOCK_TIMEOUT_MS``); the statement's only where jobs do not
      run inside requests (with Redis).
    - The process's name (``application_name``), which ``pg_stat_activity`` and the server's log show."""
    settings = {"application_name": application_name(config)}
    if not config.get("DATABASE_JIT", False):
        settings["jit"] = "off"
    if config.get("WEB_PROCESS"):
        if config.get("WEB_STATEMENT_TIMEOUT_MS") and config.get("REDIS_URL"):
            settings["statement_timeout"] = str(int(config["WEB_STATEMENT_TIMEOUT_MS"]))
        if config.get("WEB_LOCK_TIMEOUT_MS"):
            settings["lock_timeout"] = str(int(config["WEB_LOCK_TIMEOUT_MS"]))
    return settings


def application_name(config) -> str:
    """What this process's connections are called in PostgreSQL: "meyasu-web" in a web process, else
    "meyasu-" and ``PROCESS_ROLE`` (set by ``python -m workers``), "meyasu" for a command. Only lower-case
    letters, digits and "-" (it goes into a SET, and shows in the server's log)."""
    role = "web" if config.get("WEB_PROCESS") else config.get("PROCESS_ROLE") or ""
    if not re.fullmatch(r"[a-z0-9-]{0,40}", role):
        raise ValueError(f"MEYASU_PROCESS_ROLE: lower-case letters, digits and '-' only, not {role!r}")
    return f"meyasu-{role}" if role else "meyasu"


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else "ja"


def _dispatch_after_request(response):
    from app.core.jobs import dispatch

    dispatch()
    return response


def cacheable_pages(_app) -> set[str]:
    return {"core.home"}


def recurring_jobs(_app) -> list:
    from app.core.tasks import SCHEDULE

    return SCHEDULE


def collect_declarations(app: Flask) -> None:
    """What features declare for the whole app (the menu, the pages kept a few seconds, the shed's
    forms and labels), gathered once every feature has connected: each is asked on every request."""
    from app.core import nav, pagecache, shed

    nav.collect(app)
    pagecache.collect(app)
    shed.collect(app)


def city_name() -> str:
    """The city's name in the page's language: 下関市, or Shimonoseki City on English pages."""
    english = current_app.config.get("CITY_NAME_EN") if current_locale() != "ja" else ""
    return english or current_app.config["CITY_NAME"]


def init_app(app: Flask) -> None:
    from app.core import audit_labels, errors, formatting, i18n, pagecache, retention, security, shed, signals
    from app.core import jobs as _jobs  # noqa: F401  (register tables and session hooks)
    from app.core import models as _models  # noqa: F401
    from app.core import text as _text  # noqa: F401  (stored text loses bidi controls on flush)
    from app.core.ids import IdConverter
    from app.core.nav import nav_items
    from app.core.views import bp

    # Every <int:...> in a route is an id the database can hold; routes compile their converter when
    # added, and core is the first feature to add any.
    app.url_map.converters["int"] = IdConverter
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            _configure_postgresql(db.engine, postgresql_settings(app.config))
            _ping_when_idle(db.engine, app.config["DATABASE_PING_IDLE_MS"] / 1000)

    # The day people last went through the site by hand (see templates/core/accessibility.html).
    app.config.setdefault("ACCESSIBILITY_CHECKED_ON", "2026-11-29")
    security.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    audit_labels.init_app(app)
    app.before_request(i18n.hand_wtforms_messages)
    app.register_blueprint(bp)
    app.after_request(_dispatch_after_request)
    signals.cacheable_pages.connect(cacheable_pages)
    signals.recurring_jobs.connect(recurring_jobs)
    pagecache.init_app(app)
    shed.init_app(app)
    retention.init_app(app)

    @app.context_processor
    def site_globals():
        return {"city_name": city_name(), "nav_items": nav_items,
                "current_locale": current_locale}

    @app.cli.group()
    def demo():
        """Demo data from the Shimonoseki case."""

    @demo.command("load")
    def demo_load():
        """Load the demo case. Running it twice changes nothing."""
        from app.core.demodata import load_all

        for line in load_all():
            click.echo(line)

    @app.cli.group()
    def translate():
        """Translation catalogues (ja, en) per feature."""

    @translate.command("update")
    def translate_update():
        """Extract messages and merge them into every feature's catalogues."""
        from app.core import i18n

        for feature in i18n.features():
            counts = i18n.update(feature)
            click.echo(f"{feature}: untranslated ja={counts['ja']} en={counts['en']}")

    @translate.command("fill")
    @click.argument("feature")
    @click.argument("json_file", type=click.File(encoding="utf-8"))
    @click.option("--locale", default="ja")
    def translate_fill(feature: str, json_file, locale: str):
        """Set translations from a JSON object of {msgid: translation}."""
        import json

        from app.core import i18n

        click.echo(f"filled {i18n.fill(feature, locale, json.load(json_file))}")
        for message_id in i18n.missing(feature, locale):
            click.echo(f"missing: {message_id}")

    @translate.command("compile")
    def translate_compile():
        from app.core import i18n

        click.echo(f"compiled {i18n.compile_all()} catalogue(s)")

    @app.cli.group()
    def jobs():
        """Background job plumbing."""

    @app.cli.group("retention")
    def retention_group():
        """Personal data past the city's retention period."""

    @retention_group.command("purge")
    def retention_purge():
        """Delete personal data older than PERSONAL_DATA_RETENTION_DAYS (also run every night)."""
        counts = retention.purge_personal_data()
        db.session.commit()
        click.echo(f"cutoff: {retention.retention_cutoff():%Y-%m-%d %H:%M} UTC "
                   f"({current_app.config['PERSONAL_DATA_RETENTION_DAYS']} days)")
        for name, count in counts.items():
            click.echo(f"{name}: {count}")

    @jobs.command("drain")
    @click.option("--older-than", default=0, help="Seconds a pending job must have waited.")
    def jobs_drain(older_than: int):
        """Hand pending outbox jobs to the queue (after Redis was down)."""
        from datetime import timedelta

        from app.core.jobs import drain_outbox

        click.echo(f"enqueued {drain_outbox(timedelta(seconds=older_than))}")
