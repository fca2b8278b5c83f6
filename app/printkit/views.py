from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.periods.models import CommentPeriod
from app.periods.pages import public_period
from app.printkit import services
from app.printkit.formid import FormIdError
from app.printkit.forms import BuildKitForm, FormIdForm
from app.printkit.tasks import DOCS, PUBLIC_DOCS

bp = Blueprint("printkit", __name__)


def _doc(slug: str, allowed: tuple[str, ...]) -> str:
    doc = slug.replace("-", "_")
    if doc not in allowed:
        abort(404)
    return doc


def _send(period: CommentPeriod, doc: str):
    found = services.kit_files(services.latest_kit(period)).get(doc) or abort(404)
    response = send_file(found.path, mimetype="application/pdf", download_name=found.name, as_attachment=False)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.post("/staff/periods/<int:period_id>/print-kit")
@roles_required("staff", "admin")
def build(period_id: int):
    period = load_permitted(CommentPeriod, period_id, CommentPeriod.can_edit)
    back = url_for("periods.edit", period_id=period.id, _anchor="print-kit")
    return run_action(lambda: services.request_kit(period, actor=current_user), form=BuildKitForm(),
                      done=_("The print kit is being built. The download links appear below when it is ready."),
                      then=back)


@bp.get("/staff/periods/<int:period_id>/print-kit/<slug>.pdf")
@roles_required("staff", "admin")
def staff_download(period_id: int, slug: str):
    period = load_permitted(CommentPeriod, period_id, CommentPeriod.can_edit)
    return _send(period, _doc(slug, DOCS))


@bp.get("/periods/<int:period_id>/print/<slug>.pdf")
def public_download(period_id: int, slug: str):
    """The blank opinion form and the poster, for anyone who would rather write on paper, until the
    period closes."""
    period = public_period(period_id)
    if period.state() not in services.PUBLIC_STATES:
        abort(404)
    return _send(period, _doc(slug, PUBLIC_DOCS))


@bp.get("/staff/paper-forms")
@roles_required("staff", "admin")
def lookup():
    """Type or scan the 用紙番号 of a paper form: the entry page of its period opens."""
    form = FormIdForm(request.args)
    status = 200
    if form.form_id.data:
        try:
            period = services.period_for_form_id(form.form_id.data, current_user)
        except FormIdError as error:
            form.form_id.errors = [error.message]
            status = 422
        else:
            return redirect(url_for("submissions.enter", period_id=period.id), code=303)
    return render_template("printkit/lookup.html", form=form, title=_("Enter a paper form by its number")), status
