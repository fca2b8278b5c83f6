"""Error pages in the reader's language, never a stack trace."""

from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from app.core import signals
from app.core.logsafe import loggable_path
from app.core.shed import both_languages, standalone_headers, standalone_page, unavailable_texts
from app.extensions import db


class DomainError(Exception):
    """A rule of the domain refused what was asked. Services raise it (or a feature's subclass) after
    checking and before or after flushing; ``app.core.actions.run_action`` rolls back and shows
    ``message``. ``code`` names the rule, ``field`` the form input the message belongs next to, and
    ``params`` fill the message. A feature words its codes by overriding ``describe``."""

    def __init__(self, code: str, field: str | None = None, **params):
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params

    @property
    def message(self) -> str:
        """What the person who met the rule reads, in their language."""
        return self.describe()

    @property
    def messages(self) -> list[str]:
        """One message per thing to fix: a refusal that lists several problems overrides this."""
        return [self.message]

    def describe(self) -> str:
        return _("The request could not be processed.")


# The database cannot be reached (down, restarting, out of connections, SQLite locked for too long).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)

MESSAGES = {
    400: lambda: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
    403: lambda: (_("Access denied"), _("You do not have permission to open this page.")),
    404: lambda: (_("Page not found"), _("The page you asked for does not exist or is not public.")),
    405: lambda: (_("Method not allowed"), _("This page cannot be used that way.")),
    413: lambda: (_("Too large"), _("What you sent is larger than allowed. Make files smaller and try again.")),
    429: lambda: (
        _("Too many requests"),
        _("Too many requests were sent in a short time. Wait a minute and try again."),
    ),
    500: lambda: (_("Server error"), _("Something went wrong on our side. Please try again later.")),
    503: lambda: (_("Service unavailable"), _("The service is busy or under maintenance. Please try again shortly.")),
}

def _feature_response(error: Exception) -> Response | None:
    """The answer of a feature that answers some paths in another format (``signals.error_response``)."""
    for _receiver, response in signals.error_response.send(error):
        if response is not None:
            return response
    return None


def render_error(error: HTTPException):
    special = _feature_response(error)
    if special is not None:
        return special
    code = error.code or 500
    title, message = MESSAGES.get(code, MESSAGES[500])()
    response = render_template("errors/error.html", code=code, title=title, message=message), code
    if code == 429:
        return response[0], code, {"Retry-After": "60"}
    return response


def database_unavailable(error: Exception):
    """503 with Retry-After on a page that needs no query (the layout reads the user and settings):
    what a POST carried is kept with a button that sends it again; the submission form's
    idempotency key makes that safe even if the first send was stored after all."""
    current_app.logger.warning("database unavailable on %s: %s", loggable_path(request.path),
                               error.__class__.__name__)
    retry_after = current_app.config["UNAVAILABLE_RETRY_AFTER"]
    special = _feature_response(ServiceUnavailable())
    if special is not None:
        special.headers["Retry-After"] = str(retry_after)
        return special
    form = request.form if request.method == "POST" else None
    data = standalone_page(both_languages(lambda: unavailable_texts(retry_after)), form, request.path)
    return Response(data, status=503, headers=standalone_headers(data, retry_after))


def unexpected(error: Exception):
    current_app.logger.exception("unhandled error on %s", loggable_path(request.path))
    special = _feature_response(error)
    if special is not None:
        return special
    title, message = MESSAGES[500]()
    return render_template("errors/error.html", code=500, title=title, message=message), 500


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, render_error)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, database_unavailable)
    if not app.config.get("TESTING"):
        app.register_error_handler(Exception, unexpected)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (Flask runs them in reverse).
    app.teardown_appcontext(end_session_quietly)


def end_session_quietly(error: BaseException | None) -> None:
    """Close the request's session; if the database went away after the view answered (the ROLLBACK
    of the teardown fails while PostgreSQL restarts), log it and keep the answer already made, rather
    than turning it into a bare 500. The failed connection is dropped by the pool."""
    try:
        db.session.remove()
    except DATABASE_UNAVAILABLE as failure:
        db.session.registry.clear()
        current_app.logger.warning("database gone while closing the session: %s", type(failure).__name__)
