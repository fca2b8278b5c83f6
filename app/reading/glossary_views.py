"""The public glossary, the staff page that keeps it, and the page where staff write a やさしい日本語 summary."""

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.core.actions import run_action
from app.core.auth import roles_required
from app.extensions import db
from app.reading import easy, glossary, summaries
from app.reading.forms import EasySummaryForm, GlossaryEditForm, GlossaryTermForm
from app.reading.models import GlossaryTerm
from app.reading.views import bp


@bp.get("/glossary")
def glossary_page():
    return render_template("reading/glossary.html", terms=glossary.terms(), title=_("Glossary"))


def _staff_page(form: GlossaryTermForm):
    return render_template("reading/glossary_staff.html", form=form, delete_form=FlaskForm(),
                           terms=glossary.terms(), check=easy.check, title=_("Glossary for public pages"))


@bp.get("/staff/glossary")
@roles_required("staff", "admin")
def glossary_staff():
    return _staff_page(GlossaryTermForm())


@bp.post("/staff/glossary")
@roles_required("staff", "admin")
def glossary_add():
    form = GlossaryTermForm()
    return run_action(
        lambda: glossary.add_term(form.term.data, form.reading.data or "", form.explanation.data, actor=current_user),
        form=form, page=lambda: _staff_page(form),
        done=lambda term: _("「%(term)s」 is now in the glossary.", term=term.term),
        then=url_for("reading.glossary_staff"))


@bp.route("/staff/glossary/<int:term_id>/edit", methods=["GET", "POST"])
@roles_required("staff", "admin")
def glossary_edit(term_id: int):
    term = db.get_or_404(GlossaryTerm, term_id)
    form = GlossaryEditForm(obj=term)

    def page():
        return render_template("reading/glossary_edit.html", form=form, term=term, check=easy.check,
                               title=_("Edit the glossary entry 「%(term)s」", term=term.term))

    if not form.is_submitted():
        return page()
    return run_action(
        lambda: glossary.update_term(term_id, form.reading.data or "", form.explanation.data, actor=current_user),
        form=form, page=page, done=_("The glossary entry was saved."),
        then=url_for("reading.glossary_staff") + f"#{term.anchor}")


@bp.post("/staff/glossary/<int:term_id>/delete")
@roles_required("staff", "admin")
def glossary_delete(term_id: int):
    return run_action(lambda: glossary.delete_term(term_id, actor=current_user), form=FlaskForm(),
                      done=_("The word was removed from the glossary."), then=url_for("reading.glossary_staff"))


@bp.route("/staff/easy-summaries/<subject_kind>/<int:subject_id>", methods=["GET", "POST"])
@roles_required("staff", "admin")
def easy_summary(subject_kind: str, subject_id: int):
    kind = subject_kind
    what = summaries.KINDS.get(kind)
    if what is None:
        abort(404)
    subject = what.load(subject_id)
    form = EasySummaryForm(data={"text": summaries.summary_text(kind, subject_id)})  # what was sent wins

    def page():
        return render_template("reading/easy_summary.html", form=form, kind=what, subject=subject,
                               hints=easy.check(form.text.data or ""),
                               title=_("Summary in easy Japanese: %(title)s", title=subject.title))

    if not form.is_submitted():
        return page()
    return run_action(lambda: summaries.save_summary(kind, subject_id, form.text.data, actor=current_user),
                      form=form, page=page,
                      done=lambda row: _("The summary was saved.") if row else _("The summary was removed."),
                      then=url_for("reading.easy_summary", subject_kind=kind, subject_id=subject_id))
