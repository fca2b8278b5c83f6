from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

bp = Blueprint("core", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """Only paths on this site: an open redirect would let a phishing link borrow the city's name."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.get("/")
def home():
    from app.core.home import home_sections

    return render_template("core/home.html", sections=home_sections())


@bp.get("/language")
def set_language():
    """The language chosen with the switch in the header. A GET, so that it needs no CSRF token: at
    worst a link could switch someone's language, and pages that only show things need no session."""
    lang = request.args.get("lang", "")
    if lang in ("ja", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next"), url_for("core.home")), code=303)


@bp.get("/accessibility")
def accessibility():
    checked_on = date.fromisoformat(current_app.config["ACCESSIBILITY_CHECKED_ON"])
    return render_template("core/accessibility.html", checked_on=checked_on, title=_("Web accessibility policy"))
