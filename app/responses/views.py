"""Staff pages for writing and approving the city's view, and the admin's reflection categories."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.actions import run_action
from app.core.auth import load_permitted, roles_required
from app.core.settings import label_entries
from app.extensions import db
from app.moderation import counting
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.responses import approvals, services, worklist
from app.responses.forms import (
    ActionForm,
    ApproveManyForm,
    CategoriesForm,
    ChangeForm,
    CopyForm,
    ResponseForm,
    ReturnForm,
)
from app.responses.messages import error_message
from app.responses.models import Response
from app.responses.pages import render_editor, target_url

bp = Blueprint("responses", __name__)


def editable_period(period_id: int) -> CommentPeriod:
    return load_permitted(CommentPeriod, period_id, CommentPeriod.can_edit)


def editable_response(response_id: int) -> Response:
    response = db.get_or_404(Response, response_id)
    editable_period(response.period_id)
    return response


@bp.get("/staff/responses")
@roles_required("staff", "admin")
def overview(approve_form=None, status: int = 200):
    periods = [p for p in db.session.scalars(
        select(CommentPeriod).options(selectinload(CommentPeriod.plan)).order_by(CommentPeriod.closes_at.desc())
    ) if p.can_edit(current_user)]
    ids = [p.id for p in periods]
    answers = counting.answers_needed(ids)
    states = services.answer_states(ids)
    rows = [(p, answers.get(p.id, 0), states.get(p.id, {})) for p in periods]
    waiting = approvals.waiting_page(current_user, request.args.get("page", 1, type=int))
    return render_template("responses/overview.html", rows=rows, waiting=waiting,
                           approve_form=approve_form or ApproveManyForm(ids=[row.response.id for row in waiting.items]),
                           title=_("Responses"), public_text=public_text), status


@bp.post("/staff/responses/approve")
@roles_required("staff", "admin")
def approve_many():
    """Approve from the list: each ticked answer was read there, in full, with its opinion."""
    # The choices are the ticked answers still waiting for this user: the list is paged, so not one page's.
    form = ApproveManyForm(ids=approvals.waiting_ids(current_user, _ticked()))

    def report_refusals(result) -> None:
        for response, code in result[1]:
            flash(_("Answer %(id)d: %(message)s", id=response.id, message=error_message(code)), "error")

    return run_action(lambda: approvals.approve_many(form.response_ids.data, actor=current_user), form=form,
                      page=lambda: overview(approve_form=form, status=422), error_field=form.response_ids,
                      after_commit=report_refusals,
                      done=lambda result: ngettext("%(num)d answer has been approved.",
                                                   "%(num)d answers have been approved.", result[0]) if result[0] else None,
                      then=url_for("responses.overview"))


def _ticked() -> list[int]:
    return [int(value) for value in request.form.getlist("response_ids") if value.isdigit() and len(value) < 19]


@bp.get("/staff/periods/<int:period_id>/responses")
@roles_required("staff", "admin")
def work(period_id: int):
    period = editable_period(period_id)
    filters = worklist.Filters(status=request.args.get("status", ""), section=request.args.get("section", ""),
                               category=request.args.get("category", ""))
    counts = worklist.counts(period)
    page = worklist.page(period, filters, request.args.get("page", 1, type=int), rows=counts)
    return render_template("responses/work.html", period=period, targets=page.items, page=page,
                           progress=worklist.progress(period, counts), filters=filters,
                           categories=services.categories(), labels=services.category_labels(),
                           title=_("Responses: %(title)s", title=period.title))


def _target(period: CommentPeriod, kind: str, target_id: int) -> services.Target:
    try:
        return services.find_target(period, kind, target_id)
    except services.ResponseError:
        abort(404)


@bp.route("/staff/periods/<int:period_id>/responses/<any(opinion, group):kind>/<int:target_id>",
          methods=["GET", "POST"])
@roles_required("staff", "admin")
def edit(period_id: int, kind: str, target_id: int):
    period = editable_period(period_id)
    target = _target(period, kind, target_id)
    form = ResponseForm(obj=target.response)
    if request.method != "POST":
        return render_editor(period, target, form=form, copy_words=request.args.get("copy_q", ""))
    return run_action(
        lambda: services.save_response(period, target, body=form.body.data or "", category=form.category.data or "",
                                       actor=current_user),
        form=form, error_field=form.body, page=lambda: render_editor(period, _target(period, kind, target_id), form=form)[0],
        done=_("The draft has been saved."), then=target_url(target))


@bp.post("/staff/periods/<int:period_id>/responses/<any(opinion, group):kind>/<int:target_id>/copy")
@roles_required("staff", "admin")
def copy(period_id: int, kind: str, target_id: int):
    period = editable_period(period_id)
    target = _target(period, kind, target_id)
    form = CopyForm(sources=[])
    source_id = (form.source.data or 0) if form.validate_on_submit() else 0
    return run_action(lambda: services.copy_response(period, target, source_id, actor=current_user),
                      done=_("The answer has been copied into this draft. Adjust it to this opinion."),
                      then=target_url(target))


@bp.post("/staff/periods/<int:period_id>/responses/<any(opinion, group):kind>/<int:target_id>/changes")
@roles_required("staff", "admin")
def add_change(period_id: int, kind: str, target_id: int):
    period = editable_period(period_id)
    target = _target(period, kind, target_id)
    form = ChangeForm(sections=period.sections)
    return run_action(
        lambda: services.add_target_change(period, target, section_id=form.section.data or None,
                                           before=form.before.data or "", after=form.after.data or "",
                                           actor=current_user),
        form=form, error_field=form.section,
        page=lambda: render_editor(period, _target(period, kind, target_id), change_form=form)[0],
        done=_("The change to the draft has been added."), then=target_url(target))


@bp.post("/staff/responses/<int:response_id>/changes/<int:change_id>/delete")
@roles_required("staff", "admin")
def remove_change(response_id: int, change_id: int):
    response = editable_response(response_id)
    change = services.change_of(response, change_id) or abort(404)
    return run_action(lambda: services.remove_change(change, actor=current_user), form=ActionForm(),
                      done=_("The change has been removed."), then=target_url(response))


def _act(response_id: int, action, done: str, **kwargs):
    response = editable_response(response_id)
    return run_action(lambda: action(response, actor=current_user, **kwargs), form=ActionForm(), done=done,
                      then=target_url(response))


@bp.post("/staff/responses/<int:response_id>/submit")
@roles_required("staff", "admin")
def submit(response_id: int):
    return _act(response_id, services.submit_response, _("The answer has been sent for approval."))


@bp.post("/staff/responses/<int:response_id>/approve")
@roles_required("staff", "admin")
def approve(response_id: int):
    return _act(response_id, services.approve_response, _("The answer has been approved."))


@bp.post("/staff/responses/<int:response_id>/return")
@roles_required("staff", "admin")
def return_to_author(response_id: int):
    response = editable_response(response_id)
    form = ReturnForm()
    if form.validate_on_submit():
        return _act(response_id, services.return_response, _("The answer has been returned to its author."),
                    comment=form.comment.data)
    return render_editor(services.period_of(response), services.response_target(response), return_form=form, status=422)


@bp.route("/admin/settings/categories", methods=["GET", "POST"])
@roles_required("admin")
def categories():
    if request.method == "POST":
        form = CategoriesForm()
    else:
        form = CategoriesForm(data={"rows": [{"code": code, "title": label, "title_en": english}
                                             for code, label, english in label_entries("response.categories")]})
        form.rows.append_entry()

    def page():
        return render_template("responses/categories.html", form=form, in_use=services.categories_in_use(),
                               title=_("Reflection categories"))

    if request.method != "POST":
        return page()
    return run_action(lambda: services.set_categories(form.entries(), actor=current_user), form=form, page=page,
                      error_field=form, done=_("The reflection categories have been saved."),
                      then=url_for("responses.categories"))
