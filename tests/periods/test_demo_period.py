"""The demo's periods can be saved as they are: a clerk trying the demo who changes one field must not
be stopped by another field the demo filled in wrongly (its FAX number once carried the department)."""

from html.parser import HTMLParser

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.core.demodata import load_all
from app.extensions import db
from app.periods.models import CommentPeriod
from tests.conftest import login


class FormFields(HTMLParser):
    """The fields of the page's first form that posts to the page itself (no ``action``), as a browser
    would send them unchanged."""

    def __init__(self):
        super().__init__()
        self.inside, self.done = False, False
        self.fields: list[tuple[str, str]] = []
        self._textarea = self._select = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and not a.get("action"):
            self.inside = True
        if not self.inside or "name" not in a and tag not in ("option",):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def test_every_demo_period_saves_unchanged_from_its_edit_page(app, client, own_folders):
    with app.app_context():
        load_all()
        periods = db.session.scalars(select(CommentPeriod.id).where(  # a published result is not changed
            CommentPeriod.status != "withdrawn", CommentPeriod.results_published_at.is_(None))).all()
    assert periods
    assert login(client, "staff@example.jp", "meyasu-demo-2025").status_code == 303
    for period_id in periods:
        path = f"/staff/periods/{period_id}/edit"
        page = client.get(path)
        assert page.status_code == 200, path
        parser = FormFields()
        parser.feed(page.get_data(as_text=True))
        assert ("title", "") not in parser.fields and any(name == "fax_number" for name, _ in parser.fields)
        saved = client.post(path, data=MultiDict(parser.fields), follow_redirects=True)
        html = saved.get_data(as_text=True)
        assert "意見募集を保存しました。" in html, (path, html[html.find("error"):][:600])
