from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.core.actions import run_action
from app.core.auth import roles_required
from app.reading import services
from app.reading.forms import ReadingEntryForm

bp = Blueprint("reading", __name__)


def _page(form: ReadingEntryForm):
    return render_template("reading/dictionary.html", form=form, delete_form=FlaskForm(),
                           entries=services.entries(), title=_("City dictionary for furigana"))


@bp.get("/admin/readings")
@roles_required("admin")
def dictionary():
    return _page(ReadingEntryForm())


@bp.post("/admin/readings")
@roles_required("admin")
def add():
    form = ReadingEntryForm()
    return run_action(
        lambda: services.add_entry(form.surface.data, form.reading.data, form.note.data or "", actor=current_user),
        form=form, page=lambda: _page(form),
        done=lambda entry: _("「%(surface)s」 is now read %(reading)s.", surface=entry.surface, reading=entry.reading),
        then=url_for("reading.dictionary"))


@bp.post("/admin/readings/<int:entry_id>/delete")
@roles_required("admin")
def delete(entry_id: int):
    form = FlaskForm()
    return run_action(lambda: services.delete_entry(entry_id, actor=current_user), form=form,
                      done=_("The word was removed from the dictionary."), then=url_for("reading.dictionary"))
