"""Compiled templates: all page templates at a worker's start, kept where a lookup does not scan."""

from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_template_is_compiled_once_and_a_later_page_compiles_nothing(app, client, monkeypatch):
    from app.core.formatting import compile_page_templates

    pages = sorted(str(path.relative_to(ROOT / "templates")) for path in (ROOT / "templates").rglob("*.html"))
    compiled = []
    compile = jinja2.Environment.compile

    def counting(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    app.jinja_env.cache.clear()  # as in a worker that has just started (earlier tests rendered pages)
    with app.app_context():
        assert compile_page_templates(app) == len(pages) > 100
    assert sorted(compiled) == pages
    compiled.clear()
    assert client.get("/").status_code == 200 and client.get("/periods").status_code == 200
    assert compiled == []


def test_compiled_templates_are_kept_in_a_dict_not_jinjas_lru_cache(app):
    # Jinja's LRU cache scans a deque of its keys on each lookup: 7 µs with the page templates in it.
    assert type(app.jinja_env.cache) is dict
