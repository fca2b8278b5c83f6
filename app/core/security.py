"""Headers on every response, and the CSRF failure that never loses what someone wrote."""

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def drop_nul_characters() -> None:
    """NUL never belongs in text, and PostgreSQL refuses to store it (a 500 instead of the opinion):
    drop it from every form field and query value before any view or form reads them."""
    for name in ("form", "args"):
        values = getattr(request, name)
        if any("\x00" in value for _key, value in values.items(multi=True)):
            setattr(request, name, ImmutableMultiDict(
                [(key, value.replace("\x00", "")) for key, value in values.items(multi=True)]))


def csrf_failed(error: CSRFError):
    """Show what was sent again, with a fresh token, so one press resends it. Nothing is lost but
    passwords, which are never written back into a page."""
    from app.core.shed import kept_fields, kept_label, kept_labels

    labels = kept_labels()
    kept = [(name, value, kept_label(labels, name)) for name, value in kept_fields(request.form)]
    message = _("Your session has expired or the form was sent from elsewhere. Check the text below and send it again.")
    return render_template("errors/csrf.html", kept=kept, action=request.path, message=message), 400


def init_app(app: Flask) -> None:
    app.before_request(drop_nul_characters)
    app.after_request(set_security_headers)
    app.register_error_handler(CSRFError, csrf_failed)
