"""Japanese first, English second: both catalogues hold every message the code and templates use."""

import pytest
from babel import support
from flask import session
from flask_wtf import FlaskForm
from wtforms import IntegerField

from app.core import i18n


@pytest.mark.parametrize("feature", i18n.features())
@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_catalogue_is_complete(feature, locale):
    missing = i18n.missing(feature, locale)
    assert missing == [], f"{feature}/{locale} lacks {len(missing)} translation(s); run `flask translate update`, " \
                          f"then fill them: {missing[:10]}"


def test_japanese_catalogues_really_are_japanese():
    # A ja catalogue filled with the English ids would pass the completeness check; this does not.
    for feature in i18n.features():
        catalog = i18n.load(feature, "ja")
        english = [m.id for m in catalog if m.id and isinstance(m.string, str) and m.string == m.id
                   and any(c.isalpha() and c.isascii() for c in m.id) and len(m.id) > 12]
        assert english == [], f"{feature}: untranslated-looking entries {english[:5]}"


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_a_message_means_the_same_in_every_feature(locale):
    # Flask-Babel merges the feature catalogues: one id with two translations would let one feature's
    # wording silently replace another's.
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for feature in i18n.features():
        for message in i18n.load(feature, locale):
            if not message.id or not message.string:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key in seen and seen[key][1] != message.string:
                clashes.append((key, seen[key][0], feature))
            seen.setdefault(key, (feature, message.string))
    assert clashes == [], clashes[:10]



# WTForms' own messages in the reader's language, from a catalogue read once per process.
class CountForm(FlaskForm):
    count = IntegerField("count")


def _message(app, lang: str) -> str:
    with app.test_request_context("/", method="POST", data={"count": "abc"}):
        session["lang"] = lang
        app.preprocess_request()
        form = CountForm(meta={"csrf": False})
        assert not form.validate()
        return form.count.errors[0]


def test_wtforms_messages_follow_the_language_and_are_read_once(app, monkeypatch):
    assert _message(app, "ja") == "無効な整数です。"
    assert _message(app, "en") == "Not a valid integer value."
    loads = []
    monkeypatch.setattr(support.Translations, "load", classmethod(lambda cls, *args, **kw: loads.append(args)))
    assert _message(app, "ja") == "無効な整数です。"
    assert _message(app, "en") == "Not a valid integer value."
    assert loads == [] and set(i18n._WTFORMS_MESSAGES) >= {"ja", "en"}


def test_the_catalogue_kept_for_a_request_follows_its_locale_and_force_locale(app):
    # app.extensions.Catalogues hands back the last catalogue while the locale is the same object.
    from flask_babel import force_locale, gettext, refresh

    def home(lang):
        with app.test_request_context("/"):
            session["lang"] = lang
            first = gettext("Home")
            with force_locale("ja" if lang == "en" else "en"):
                forced = gettext("Home")
            after = gettext("Home")
            session["lang"] = "ja"
            refresh()  # the reader switched language within the request
            return first, forced, after, gettext("Home")

    assert home("en") == ("Home", "ホーム", "Home", "ホーム")
    assert home("ja") == ("ホーム", "Home", "ホーム", "ホーム")
    assert home("en") == ("Home", "ホーム", "Home", "ホーム")  # another request, another locale object


# Strings of every shape the templates use: plain, with escaped variables, "%%", plural with num and
# more, a {% trans %} block, and a macro from an imported template (its module, and so its context, is
# shared by every later rendering).
TEMPLATE_STRINGS = [
    "{{ _('Home') }}|{{ gettext('Home') }}",
    "{{ _('Error: %(title)s', title='<b>x</b>') }}",
    "{{ _('100%% sure') }}",
    "{{ ngettext('%(num)d file attached.', '%(num)d files attached.', 1) }}"
    "{{ ngettext('%(num)d file attached.', '%(num)d files attached.', 3) }}",
    "{{ ngettext('Done: %(num)d submission imported, receipt number %(first)s.', "
    "'Done: %(num)d submissions imported, receipt numbers %(first)s to %(last)s.', 2, first='<A>', last='B') }}",
    "{% trans name='<i>' %}Hello {{ name }}{% endtrans %}|{% trans %}Home{% endtrans %}",
    # Variables named as the functions' own parameters are the template's (heard.html passes num=).
    "{{ ngettext('%(num)s person', '%(num)s people', 1200, num='1,200') }}"
    "{{ _('Error: %(title)s', title='t', string='s', context='c') }}",
    "{% import 'macros.html' as m %}{{ m.home() }}",
]


@pytest.mark.parametrize("source", TEMPLATE_STRINGS)
def test_templates_translate_as_jinjas_own_gettext_does(app, source):
    """Templates' gettext is ours (one call to the catalogue, app.extensions), and says exactly what
    Jinja's newstyle gettext over Flask-Babel's catalogue says, in both languages, one after the other."""
    from flask_babel import get_translations
    from jinja2 import DictLoader, Environment
    from jinja2.ext import _make_new_gettext, _make_new_ngettext

    from app.extensions import template_gettext, template_ngettext

    assert app.jinja_env.globals["_"] is template_gettext and app.jinja_env.globals["ngettext"] is template_ngettext
    loader = DictLoader({"page.html": source, "macros.html": "{% macro home() %}{{ _('Home') }}{% endmacro %}"})
    ours = app.jinja_env.overlay(loader=loader, cache_size=0)
    ours.globals = app.jinja_env.globals
    jinjas = Environment(loader=loader, autoescape=True, extensions=["jinja2.ext.i18n"])
    jinjas.install_gettext_callables(lambda s: get_translations().ugettext(s),
                                     lambda s, p, n: get_translations().ungettext(s, p, n), newstyle=True)
    assert jinjas.globals["gettext"].__code__ is _make_new_gettext(str).__code__
    assert jinjas.globals["ngettext"].__code__ is _make_new_ngettext(str).__code__
    seen = []
    for lang in ("ja", "en", "ja", "en"):
        with app.test_request_context("/"):
            session["lang"] = lang
            expected = jinjas.get_template("page.html").render()
            assert ours.get_template("page.html").render() == expected
            seen.append(expected)
    assert seen[0] == seen[2] and seen[1] == seen[3]
    if "Home" in source:
        assert "ホーム" in seen[0] and "Home" in seen[1]
    if "<" in source:
        assert "<b>" not in seen[0] and "&lt;" in seen[0]
