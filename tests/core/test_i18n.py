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
