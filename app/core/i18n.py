"""Catalogues per feature: ``app/<feature>/translations/{ja,en}/LC_MESSAGES/messages.po``.

Message ids are English. Each feature keeps its own catalogue, extracted from its Python package
and its folder under ``templates/`` (core also owns the top-level templates), so features can be
changed side by side without touching one shared file. Flask-Babel merges them at run time.
"""

from pathlib import Path

from babel import support
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import request
from flask_babel import get_locale
from wtforms.i18n import messages_path

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("ja", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PY = [("**.py", "python")]
JINJA = [("**.html", "jinja2.ext:babel_extract"), ("**.txt", "jinja2.ext:babel_extract")]
JINJA_OPTIONS = {"**.html": {"extensions": "jinja2.ext.do"}, "**.txt": {"extensions": "jinja2.ext.do"}}


def catalogue_path(feature: str, locale: str, suffix: str = "po") -> Path:
    return ROOT / "app" / feature / "translations" / locale / "LC_MESSAGES" / f"messages.{suffix}"


def features() -> list[str]:
    from app import FEATURES

    return list(FEATURES)


def _sources(feature: str):
    yield ROOT / "app" / feature, PY
    templates = ROOT / "templates" / feature
    if templates.is_dir():
        yield templates, JINJA
    if feature == "core":
        for path in sorted((ROOT / "templates").iterdir()):
            if path.is_file() and path.suffix == ".html":
                yield path, JINJA
        for folder in ("errors", "email"):
            yield ROOT / "templates" / folder, JINJA


def extract(feature: str) -> Catalog:
    catalog = Catalog(project="meyasu", charset="utf-8")
    for source, method_map in _sources(feature):
        if source.is_file():
            with source.open("rb") as handle:
                from babel.messages.extract import extract as extract_file

                for lineno, message, _comments, context in extract_file(
                    method_map[0][1], handle, keywords=KEYWORDS, options={"extensions": "jinja2.ext.do"}
                ):
                    catalog.add(message, locations=[(str(source.relative_to(ROOT)), lineno)], context=context)
            continue
        options = {pattern: opts for pattern, opts in JINJA_OPTIONS.items()}
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(source), method_map, options_map=options, keywords=KEYWORDS
        ):
            location = str((source / filename).relative_to(ROOT))
            catalog.add(message, locations=[(location, lineno)], context=context)
    return catalog


def load(feature: str, locale: str) -> Catalog:
    path = catalogue_path(feature, locale)
    if not path.exists():
        return Catalog(locale=locale, project="meyasu", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(feature: str) -> dict[str, int]:
    """Bring both catalogues in line with the source; English is filled with the ids themselves."""
    template = extract(feature)
    counts = {}
    for locale in LOCALES:
        catalog = load(feature, locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        for message in catalog:
            if not message.id:
                continue
            if locale == "en" and not _complete(message):
                message.string = message.id
                message.flags.discard("fuzzy")
        path = catalogue_path(feature, locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=120, sort_output=True, omit_header=False)
        counts[locale] = len(missing(feature, locale))
    return counts


def fill(feature: str, locale: str, mapping: dict[str, str | list[str]]) -> int:
    """Set translations from ``{msgid: msgstr}`` (a list of strings for plural forms)."""
    catalog = load(feature, locale)
    filled = 0
    for message in catalog:
        key = message.id if isinstance(message.id, str) else (message.id or [None])[0]
        if not key or key not in mapping:
            continue
        value = mapping[key]
        message.string = tuple(value) if isinstance(message.id, tuple | list) else value
        message.flags.discard("fuzzy")
        filled += 1
    with catalogue_path(feature, locale).open("wb") as handle:
        write_po(handle, catalog, width=120, sort_output=True)
    return filled


def _complete(message) -> bool:
    if "fuzzy" in message.flags:
        return False
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def missing(feature: str, locale: str) -> list[str]:
    """Message ids used in the source that the catalogue lacks or leaves untranslated."""
    catalog = load(feature, locale)
    result = []
    for message in extract(feature):
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None or not _complete(found):
            result.append(message.id if isinstance(message.id, str) else message.id[0])
    return result


def compile_all() -> int:
    count = 0
    for feature in features():
        for locale in LOCALES:
            po = catalogue_path(feature, locale)
            if not po.exists():
                continue
            mo = catalogue_path(feature, locale, "mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            with mo.open("wb") as handle:
                write_mo(handle, catalog)
            count += 1
    return count


# --- at run time ---

# WTForms' own messages ("Not a valid integer value.") in the reader's language. Flask-WTF reads
# their catalogue from disk for every request that builds a form and keeps it on the request
# (``request.wtforms_translations``); this keeps one per language for the process and puts it there
# first. Were Flask-WTF to stop looking there, it would go back to reading the file: slower, not wrong.
_WTFORMS_MESSAGES: dict[str, support.Translations] = {}


def wtforms_messages() -> support.Translations:
    locale = str(get_locale())
    if locale not in _WTFORMS_MESSAGES:
        _WTFORMS_MESSAGES[locale] = support.Translations.load(messages_path(), [locale], domain="wtforms")
    return _WTFORMS_MESSAGES[locale]


def hand_wtforms_messages() -> None:
    if request.endpoint != "static":
        request.wtforms_translations = wtforms_messages()
