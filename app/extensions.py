"""Extension objects, bound to an app in ``create_app`` with ``init_app``."""

from functools import cached_property

from flask import session
from flask_babel import Babel, Domain, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def select_locale() -> str:
    """Japanese unless the reader chose otherwise with the switch (a city's site speaks Japanese first)."""
    from flask import current_app, has_request_context

    # A job (an export, a digest) has no reader: it speaks the city's language unless it forces one.
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


class Catalogues(Domain):
    """Flask-Babel's message domain, which finds a request's merged catalogue anew for each translated
    string (four reads of the request's context and the locale's name; 0.3 ms of a confirmation's 10.9,
    bench/README.md, twelfth session). This hands back the last catalogue found while the request's
    locale is the very object it was found for: a request parses its locale once, and ``force_locale``
    and ``refresh`` make another."""

    _last: tuple = (None, None)

    def get_translations(self):
        locale = get_locale()
        last = self._last  # one read: another thread may replace the pair, never half of it
        if locale is not None and last[0] is locale:
            return last[1]
        translations = super().get_translations()
        if locale is not None:
            self._last = (locale, translations)
        return translations


class MeyasuBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return Catalogues(domain=self.domain)

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)
        # Templates' ``_()``, ``gettext`` and ``ngettext`` (and ``{% trans %}``) as Jinja's "newstyle"
        # gettext does them, in one call to this app's catalogue: Jinja's own went through three
        # ``Context.call``s and Flask-Babel's look-up of the request's domain for every string, 12 µs
        # a string where this takes 7, and a confirmation page shows some forty (bench/README.md,
        # thirteenth session). Not kept on the rendering's context: an imported template's module,
        # and so its context, is shared by every later rendering, whatever its language.
        app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)


@pass_context
def template_gettext(context, string: str, /, **variables) -> str:
    text = babel.domain_instance.get_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our own catalogue, as Jinja trusts it; the variables are escaped)
    # As Jinja's: always a format string ("%%" is a percent sign), the variables escaped by Markup.
    return text % variables if variables or "%" in text else text


@pass_context
def template_ngettext(context, singular: str, plural: str, number: int, /, **variables) -> str:
    # Positional only, as Jinja's: a template may pass ``num=`` (or any name) as a variable of its own.
    variables.setdefault("num", number)
    text = babel.domain_instance.get_translations().ungettext(singular, plural, number)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our own catalogue, as Jinja trusts it; the variables are escaped)
    return text % variables


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = MeyasuBabel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
