"""Settings from the environment.

Nothing set means the embedded default: SQLite in ``instance/`` and jobs run inline. Outside
development and tests the app refuses to start without a real ``SECRET_KEY``.
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# The key development falls back to; a production app with it (or with none) refuses to start.
DEVELOPMENT_SECRET = "development-only-not-secret"  # noqa: S105


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return int(value) if value is not None else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value is None:
        return default
    return value.lower() in ("1", "true", "yes", "on")


def _database_url() -> str:
    url = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'meyasu.sqlite3'}")
    # Heroku-style URLs name the old driver; psycopg 3 is what we install.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    ENV_NAME = env_str("MEYASU_ENV", "production")
    SECRET_KEY = env_str("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    # A pooled connection idle longer than this is pinged before use (app/core/__init__.py).
    DATABASE_PING_IDLE_MS = env_int("DATABASE_PING_IDLE_MS", 2000)
    # PostgreSQL's JIT compiling, off for the app's connections (app/core/__init__.py): it cost staff
    # pages 100–130 ms a counting query at 100,000 opinions and saved nothing.
    DATABASE_JIT = env_bool("DATABASE_JIT", False)
    # In a web process (gunicorn.conf.py sets MEYASU_WEB_PROCESS) a statement gives up after this many ms,
    # and a wait for a lock sooner (PostgreSQL; 0 turns one off). A request stuck in the database holds
    # its gunicorn worker's only thread while the worker's loop lives on, so nothing else would ever end
    # it; it answers 503 instead, keeping what a form carried. Not for jobs and commands (a digest, an
    # export, a migration run long), nor for a web process that runs its jobs itself (no REDIS_URL):
    # there only the lock wait is limited.
    WEB_PROCESS = env_bool("MEYASU_WEB_PROCESS", False)
    # What the process's connections call themselves in PostgreSQL (``application_name``: pg_stat_activity,
    # the server's log with %a): "meyasu-web" in a web process, "meyasu-worker" or "meyasu-scheduler" as
    # ``python -m workers`` sets MEYASU_PROCESS_ROLE, "meyasu" for commands. A DBA sees whose backend waits
    # for a period's lock or spends the CPU.
    PROCESS_ROLE = env_str("MEYASU_PROCESS_ROLE", "")
    WEB_STATEMENT_TIMEOUT_MS = env_int("WEB_STATEMENT_TIMEOUT_MS", 20000)
    WEB_LOCK_TIMEOUT_MS = env_int("WEB_LOCK_TIMEOUT_MS", 5000)
    REDIS_URL = env_str("REDIS_URL")
    RQ_DEFAULT_QUEUE = "default"
    # Seconds between a worker's registry maintenance, which retries the jobs of a worker that died.
    RQ_MAINTENANCE_INTERVAL = env_int("RQ_MAINTENANCE_INTERVAL", 60)
    # With Redis, a request that asks for a job only writes its outbox row (and on PostgreSQL notifies);
    # a thread of each `python -m workers` hands it to RQ (workers/drainer.py). Off: the request hands
    # it to RQ after its commit (two Redis round trips in the request).
    OUTBOX_DRAINER = env_bool("OUTBOX_DRAINER", True)
    # Rows that waited together for one queue go to RQ as one job of up to this many (app/core/jobs.py).
    # Fifty, not twenty: RQ's bookkeeping and the batch's claim and "done" statements are shared by more
    # mails, and a receipt mail cost the workers 1.26 ms of CPU instead of 1.40 (bench/README.md,
    # twenty-ninth session). A second's gathering at the design rate fills no more than twenty anyway.
    OUTBOX_BATCH = env_int("OUTBOX_BATCH", 50)
    # Milliseconds a woken drainer waits for more rows before it hands them over (workers/drainer.py).
    # A second: at the design load a job then carries up to twenty mails instead of about four, and the workers'
    # CPU per receipt fell by a third (bench/README.md, fourteenth session); a receipt mail a second late.
    OUTBOX_GATHER_MS = env_int("OUTBOX_GATHER_MS", 1000)

    CITY_NAME = env_str("CITY_NAME", "下関市")
    # The city's name on English pages; without one they use CITY_NAME.
    CITY_NAME_EN = env_str("CITY_NAME_EN", "Shimonoseki City" if CITY_NAME == "下関市" else "")
    SITE_URL = env_str("SITE_URL", "http://127.0.0.1:5000")
    UPLOAD_FOLDER = env_str("UPLOAD_FOLDER", str(BASE_DIR / "instance" / "uploads"))
    EXPORT_FOLDER = env_str("EXPORT_FOLDER", str(BASE_DIR / "instance" / "exports"))
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)

    MAIL_SERVER = env_str("MAIL_SERVER", "localhost")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USERNAME = env_str("MAIL_USERNAME")
    MAIL_PASSWORD = env_str("MAIL_PASSWORD")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
    MAIL_SENDER = env_str("MAIL_SENDER", "no-reply@meyasu.example.jp")
    # Seconds an idle SMTP connection is kept for the next mail of the same thread (app/core/mail.py).
    MAIL_KEEP_CONNECTION = env_int("MAIL_KEEP_CONNECTION", 30)
    # Without a mail server (the embedded default) mail is logged instead of sent.
    MAIL_SUPPRESS_SEND = env_bool("MAIL_SUPPRESS_SEND", False)

    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    # A token tied to the session, not to the clock: nobody loses an afternoon's writing.
    WTF_CSRF_TIME_LIMIT = None

    # Days after a period's result is published (or a workshop ends, a mail is sent, a staff export is
    # made) before the personal data in it is deleted (app.core.retention): the city's retention period.
    PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 365)
    # Days after a workshop before its accommodation requests (合理的配慮) are deleted, leaving counts.
    WORKSHOP_ACCOMMODATION_RETENTION_DAYS = env_int("WORKSHOP_ACCOMMODATION_RETENTION_DAYS", 30)

    # Anonymous public pages are kept this many seconds per process (app.core.pagecache); 0 turns it off.
    # Past it, one request renders the page again while the others serve theirs meanwhile (a render
    # claim lasts at most 5 s; a copy more than 5 minutes past its limit is not served).
    PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 10)
    # The period the opinion form's steps read is kept this many seconds per process (app.periods.pages,
    # form_period); a change is seen at once by the process that commits it. 0 reads it every time.
    PERIOD_KEEP_SECONDS = env_int("PERIOD_KEEP_SECONDS", 10)
    # Overload (app.core.shed): a form POST that waited longer than this in gunicorn's queue is answered
    # 503 with its text kept and Retry-After; any request that waited longer than the second is answered 503.
    SHED_FORM_WAIT_MS = env_int("SHED_FORM_WAIT_MS", 1000)
    # A send that finishes a confirmed form (it carries the confirm page's key) waits longer: at a crowd
    # the people who already confirmed get through before new confirmations start.
    SHED_SEND_WAIT_MS = env_int("SHED_SEND_WAIT_MS", 2500)
    SHED_ANY_WAIT_MS = env_int("SHED_ANY_WAIT_MS", 3000)
    SHED_RETRY_AFTER = env_int("SHED_RETRY_AFTER", 10)
    # While the database cannot be reached, pages answer 503 with this Retry-After (app/core/errors.py).
    UNAVAILABLE_RETRY_AFTER = env_int("UNAVAILABLE_RETRY_AFTER", 30)

    # Reverse proxies in front of gunicorn whose X-Forwarded-For and -Proto are believed (deploy/nginx.conf
    # is one). Without this every citizen seems to come from the proxy's address: they would share one
    # rate limit and the audit log would name no one. 0 where nothing stands in front (gunicorn must then
    # not be reachable except through the proxy), since a client could otherwise choose its address.
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 1)
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    # No X-RateLimit-* headers: they cost a store round trip per limit on every limited request (each
    # send, login and API call). A 429 still says when to come back: the handlers set Retry-After.
    RATELIMIT_HEADERS_ENABLED = False
    # A rate-limit store that is down must not stop a citizen's submission: count in memory meanwhile.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_RATE_LIMIT = env_str("LOGIN_RATE_LIMIT", "20 per minute")
    # Per client address, over the open data API and feeds.
    API_RATE_LIMIT = env_str("API_RATE_LIMIT", "120 per minute")
    SUBMISSION_RATE_LIMIT = env_str("SUBMISSION_RATE_LIMIT", "10 per hour")
    SUBMISSION_RATE_LIMIT_PER_EMAIL = env_str("SUBMISSION_RATE_LIMIT_PER_EMAIL", "5 per hour")
    LOOKUP_RATE_LIMIT = env_str("LOOKUP_RATE_LIMIT", "60 per hour")
    # Failed logins for one email from one client address before that pair waits (app/accounts/throttle.py).
    LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
    # A session of an account with any role beyond citizen ends after this long without a request, and
    # this long after logging in (app/accounts/sessions.py); such accounts get no remember-me cookie.
    STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30)
    STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12)

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to run in production on a missing or development secret."""
        if config.get("ENV_NAME") in ("development", "testing"):
            return
        if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEVELOPMENT_SECRET:
            raise RuntimeError("SECRET_KEY must be set outside development and tests")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)  # `flask run` is reached directly
    SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET)
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    MAIL_SUPPRESS_SEND = env_bool("MAIL_SUPPRESS_SEND", True)


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    TRUSTED_PROXIES = 0
    SECRET_KEY = "testing-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = env_str("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = env_str("TEST_REDIS_URL")
    OUTBOX_DRAINER = False  # no worker runs beside the suite; the drainer's own tests turn it on
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # The limiter runs (so its storage exists), but limits are high unless a test lowers them.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = "100000 per minute"
    API_RATE_LIMIT = "100000 per minute"
    SUBMISSION_RATE_LIMIT = "100000 per minute"
    SUBMISSION_RATE_LIMIT_PER_EMAIL = "100000 per minute"
    LOOKUP_RATE_LIMIT = "100000 per minute"
    PUBLIC_PAGE_CACHE_SECONDS = 0  # tests that check the cache turn it on
    PERIOD_KEEP_SECONDS = 0  # as the page cache: tests that check the kept period turn it on
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 0  # tests that send mail point this at their own SMTP server
    MAIL_SUPPRESS_SEND = False
    SERVER_NAME = None


def config_for(name: str | None = None) -> type[Config]:
    name = name or env_str("MEYASU_ENV", "development")
    return {"development": DevelopmentConfig, "testing": TestConfig}.get(name, Config)
