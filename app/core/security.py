"""Headers on every response, and the refusal of forged requests.

A POST from another site is refused before anything reads it (``refuse_cross_site``); one whose CSRF
token fails is refused with a plain page (``csrf_failed``), except on the citizens' text forms in
``RESEND_FORMS``, whose text is shown again so that nothing they wrote is lost. A refused request
never writes the session cookie (``RefusalKeepsSession``).
"""

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, render_template, request, session, url_for
from flask.json import dumps, loads
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from itsdangerous import URLSafeTimedSerializer
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

# The only forms whose text a failed CSRF check shows again, and where "Send again" then goes. They
# are a citizen's own writing, sent without an account: a forged one can act in nobody's name. The
# final send goes back to the confirmation step, so the page leads to a check and sends nothing itself.
# Every other form (staff, moderators, facilitators, admins, login) gets a plain refusal: a page that
# carried the forged fields and a valid token would turn a forgery into a one-click attack.
RESEND_FORMS = {
    "submissions.edit": "submissions.edit",
    "submissions.confirm": "submissions.confirm",
    "submissions.send": "submissions.confirm",
    "workshops.register": "workshops.register",
}
# Sec-Fetch-Site values of requests that no other site can have caused ("none": typed or bookmarked).
OWN_SITE = ("same-origin", "none")


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


class PlainSessionSerializer(TaggedJSONSerializer):
    """Flask's session serializer, with its walks skipped for what needs none: the cookie is the same.

    A session of plain JSON values (the CSRF token, the form keys, the receipt shown) is written as Flask
    writes it, without tagging each value on the way out; and a cookie with no tagged value in it (none
    of Flask's tags, a one-key object whose key begins with a space, ``{" t": …}``) is read without
    scanning each value for one. Anything else (a tuple, bytes, markup, a date, a flashed message) goes
    through Flask's own tagging. The walks were 30 of the 105 µs a request spent reading and writing the
    cookie on a send, confirm and receipt (bench/README.md, twenty-eighth session)."""

    def dumps(self, value) -> str:
        if _plain(value, self.tags):
            return dumps(value, separators=(",", ":"))
        return super().dumps(value)

    def loads(self, value: str):
        # JSON writes a one-key object as '{"key":…}': a tag's key begins with a space, so no '{" ' means no tag.
        if '{" ' not in value:
            return loads(value)
        return super().loads(value)


def _plain(value, tags) -> bool:
    """Whether ``value`` is made of what Flask's tagging leaves as it is: str, int, float, bool, None, lists,
    and dicts with str keys that are not a one-key object looking like a tag."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return True
    if kind is list:
        return all(_plain(item, tags) for item in value)
    if isinstance(value, dict):  # the session itself is a dict of its own class
        if len(value) == 1 and next(iter(value)) in tags:
            return False
        return all(type(key) is str and _plain(item, tags) for key, item in value.items())
    return False


class RefusalKeepsSession(SecureCookieSessionInterface):
    """A refused request writes no session cookie. A cross-site POST arrives without the browser's
    session (SameSite=Lax keeps it back), so a cookie set in the answer would replace the victim's."""

    serializer = PlainSessionSerializer()

    def __init__(self) -> None:
        self._signing: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's, made once for the app's keys rather than twice a request: making one dumps a value to
        learn the serializer's kind, an eighth of reading and writing the cookie (bench/README.md,
        twenty-eighth session). It keeps no state between uses."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        held = self._signing
        if held is None or held[0] != keys:
            held = self._signing = (keys, super().get_signing_serializer(app))
        return held[1]

    def save_session(self, app, session, response) -> None:
        if g.get("refused"):
            return
        super().save_session(app, session, response)


def _own_origins() -> set[str]:
    site = urlsplit(current_app.config.get("SITE_URL") or "")
    own = {f"{request.scheme}://{request.host}".lower()}
    if site.scheme and site.netloc:
        own.add(f"{site.scheme}://{site.netloc}".lower())
    return own


def refuse_cross_site():
    """Same-origin POSTs only, by what the browser says: ``Sec-Fetch-Site`` and ``Origin``. Before the
    CSRF check, so that a forgery gets the plain 403 even with a valid token. A request with neither
    header (an old browser, a script) is left to the token."""
    if request.method not in current_app.config["WTF_CSRF_METHODS"]:
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if (fetch_site is None or fetch_site in OWN_SITE) and (origin is None or origin.lower() in _own_origins()):
        return None
    current_app.logger.warning("refused a cross-site %s to %s (Sec-Fetch-Site %s, Origin %s)", request.method,
                               request.path, fetch_site, origin)
    return refusal(403, lambda: {
        "title": _("The form was refused"),
        "page": _("This form was sent from another site, so it was refused and nothing was changed. If you meant "
                  "to do this, open the page on this site and do it again from there."),
    })


def refusal(status: int, texts) -> Response:
    """A plain page in Japanese and English: no form, no token, nothing of what was sent, no cookie."""
    from app.core.shed import both_languages, standalone_page

    g.refused = True
    data = standalone_page(both_languages(texts), None, request.path)
    return Response(data, status=status, content_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def csrf_failed(error: CSRFError):
    """On a citizen's text form, show what was sent again so that one press sends it: nothing is lost
    but passwords. Anywhere else, a plain refusal."""
    from app.core.shed import kept_fields, kept_labels

    target = RESEND_FORMS.get(request.endpoint)
    if target is None:
        return refusal(400, lambda: {
            "title": _("The form was not accepted"),
            "page": _("This form could not be accepted: the page was opened before your session began, or the "
                      "form was sent from another site. Nothing was changed. Open the page again and repeat "
                      "what you did."),
        })
    # The session keeps its token, and the page shows that one. A session without a token needs one
    # written, or the text could never be sent: then the request carried no session, or one that we
    # write back as it came (it was not withheld: cross-site requests were refused above).
    g.refused = "csrf_token" in session
    labels = kept_labels()
    kept = [(name, value, labels.of(name)) for name, value in kept_fields(request.form)]
    message = _("Your session has expired or the form was sent from elsewhere. Check the text below and send it again.")
    action = url_for(target, **(request.view_args or {}))
    return render_template("errors/csrf.html", kept=kept, action=action, message=message), 400


def init_app(app: Flask) -> None:
    app.session_interface = RefusalKeepsSession()
    # First of all hooks, ahead of Flask-WTF's CSRF check (bound to the app before the features).
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_cross_site)
    app.before_request(drop_nul_characters)
    app.after_request(set_security_headers)
    app.register_error_handler(CSRFError, csrf_failed)
