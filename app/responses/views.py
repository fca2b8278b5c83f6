"""Staff pages for writing and approving the city's view, and the admin's reflection categories."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from app.core.audit_labels import actor_names
from app.core.auth import roles_required
from app.core.models import AuditEntry
from app.core.settings import label_entries
from app.extensions import db
from app.moderation.models import Opinion
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.responses import approvals, services
from app.responses.forms import (
    ActionForm,
    ApproveManyForm,
    CategoriesForm,
    ChangeForm,
    CopyForm,
    ResponseForm,
    ReturnForm,
)
from app.responses.models import DraftChange, Response

bp = Blueprint("responses", __name__)


def error_message(code: str) -> str:
    return {
        "result_published": _("The result has been published: answers can no longer change. Use a correction."),
        "body_too_long": _("The answer is too long."),
        "unknown_category": _("That reflection category does not exist. Choose one from the list."),
        "no_category": _("Choose a reflection category before asking for approval."),
        "empty_response": _("The answer is empty. Write the city's view first."),
        "not_draft": _("Only a draft can be sent for approval."),
        "not_submitted": _("Only an answer waiting for approval can be approved or returned."),
        "own_response": _("You wrote this answer, so someone else must approve it."),
        "not_allowed": _("Only staff of the plan's department can do this."),
        "comment_required": _("Say what needs to change, so the author can fix it."),
        "comment_too_long": _("The comment is too long."),
        "empty_change": _("Enter the text before or after the change."),
        "change_too_long": _("The change is too long."),
        "section_other_period": _("That part of the draft belongs to another comment period."),
        "bad_source": _("Choose another answer of this comment period to copy."),
        "not_a_target": _("That opinion has not been accepted for an answer."),
        "no_categories": _("Keep at least one reflection category."),
        "bad_category_code": _("Use up to 8 capital letters or digits for each code."),
        "duplicate_category_code": _("Each code may appear only once."),
        "bad_category_label": _("Give every code a label of up to 50 characters."),
        "category_in_use": _("A code that answers already use cannot be removed."),
        "nothing_selected": _("Tick at least one answer to approve."),
        "too_many_selected": _("Approve at most %(max)d answers at once.", max=approvals.APPROVE_MAX),
    }.get(code, _("The request could not be processed."))


def editable_period(period_id: int) -> CommentPeriod:
    period = db.session.get(CommentPeriod, period_id) or abort(404)
    if not period.can_edit(current_user):
        abort(403)
    return period


def editable_response(response_id: int) -> Response:
    response = db.session.get(Response, response_id) or abort(404)
    editable_period(response.period_id)
    return response


def target_url(target_or_response) -> str:
    if isinstance(target_or_response, Response):
        response = target_or_response
        kind, target_id = ("group", response.group_id) if response.group_id else ("opinion", response.opinion_id)
        return url_for("responses.edit", period_id=response.period_id, kind=kind, target_id=target_id)
    return url_for("responses.edit", period_id=target_or_response.lead.period_id, kind=target_or_response.kind,
                   target_id=target_or_response.id)


@bp.get("/staff/responses")
@roles_required("staff", "admin")
def overview(approve_form=None, status: int = 200):
    periods = [p for p in db.session.scalars(
        select(CommentPeriod).options(selectinload(CommentPeriod.plan)).order_by(CommentPeriod.closes_at.desc())
    ) if p.can_edit(current_user)]
    ids = [p.id for p in periods]
    alone = dict(db.session.execute(
        select(Opinion.period_id, func.count()).where(Opinion.period_id.in_(ids), Opinion.state == "accepted",
                                                      Opinion.group_id.is_(None)).group_by(Opinion.period_id)).all())
    grouped = dict(db.session.execute(
        select(Opinion.period_id, func.count(Opinion.group_id.distinct()))
        .where(Opinion.period_id.in_(ids), Opinion.state == "accepted").group_by(Opinion.period_id)).all())
    states: dict[int, dict[str, int]] = {}
    for period_id, state, count in db.session.execute(
        select(Response.period_id, Response.state, func.count()).where(Response.period_id.in_(ids))
        .group_by(Response.period_id, Response.state)
    ):
        states.setdefault(period_id, {})[state] = count
    rows = [(p, alone.get(p.id, 0) + grouped.get(p.id, 0), states.get(p.id, {})) for p in periods]
    waiting = approvals.waiting_list(current_user)
    return render_template("responses/overview.html", rows=rows, waiting=waiting,
                           approve_form=approve_form or ApproveManyForm(waiting=waiting), title=_("Responses"),
                           public_text=public_text), status


@bp.post("/staff/responses/approve")
@roles_required("staff", "admin")
def approve_many():
    """Approve from the list: each ticked answer was read there, in full, with its opinion."""
    form = ApproveManyForm(waiting=approvals.waiting_list(current_user))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return overview(approve_form=form, status=422)
    try:
        approved, refused = approvals.approve_many(form.response_ids.data, actor=current_user)
    except services.ResponseError as exc:
        db.session.rollback()
        form.response_ids.errors.append(error_message(exc.code))
        return overview(approve_form=form, status=422)
    db.session.commit()
    if approved:
        flash(ngettext("%(num)d answer has been approved.", "%(num)d answers have been approved.", approved),
              "success")
    for response, code in refused:
        flash(_("Answer %(id)d: %(message)s", id=response.id, message=error_message(code)), "error")
    return redirect(url_for("responses.overview"), code=303)


@bp.get("/staff/periods/<int:period_id>/responses")
@roles_required("staff", "admin")
def work(period_id: int):
    period = editable_period(period_id)
    targets = services.period_targets(period)
    progress = services.progress(targets)
    status = request.args.get("status", "")
    section = request.args.get("section", "", type=str)
    category = request.args.get("category", "")
    shown = [t for t in targets
             if (not status or t.status == status)
             and (not section or (str(t.section.id) if t.section else "none") == section)
             and (not category or (t.response is not None and t.response.category == category))]
    return render_template("responses/work.html", period=period, targets=shown, progress=progress,
                           filters={"status": status, "section": section, "category": category},
                           categories=services.categories(), labels=services.category_labels(),
                           title=_("Responses: %(title)s", title=period.title))


def _shortened(text: str, limit: int = 30) -> str:
    """The opening words of an opinion: enough to tell one answer page from another in a title or tab."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _editor(period: CommentPeriod, target: services.Target, form=None, change_form=None, copy_form=None,
            return_form=None, status: int = 200, **extra):
    response = target.response
    others = [t for t in services.period_targets(period) if t.response is not None and t.response.body
              and t.key != target.key]
    history = []
    if response is not None:
        history = db.session.scalars(
            select(AuditEntry).where(and_(AuditEntry.object_type == "Response",
                                          AuditEntry.object_id == str(response.id))).order_by(AuditEntry.id.desc())
        ).all()
    html = render_template(
        "responses/edit.html", period=period, target=target, response=response,
        form=form or ResponseForm(obj=response),
        change_form=change_form or ChangeForm(sections=period.sections),
        copy_form=copy_form or CopyForm(sources=[(t.response, public_text(t.lead)[:60]) for t in others]),
        return_form=return_form or ReturnForm(), action_form=ActionForm(), history=history,
        history_names=actor_names(history),
        labels=services.category_labels(), public_text=public_text,
        title=_("The city's view: %(opinion)s", opinion=_shortened(public_text(target.lead))), **extra,
    )
    return html, status


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
    if form.validate_on_submit():
        try:
            services.save_response(period, target, body=form.body.data or "", category=form.category.data or "",
                                   actor=current_user)
        except services.ResponseError as exc:
            db.session.rollback()
            form.body.errors.append(error_message(exc.code))
            return _editor(period, _target(period, kind, target_id), form=form, status=422)
        db.session.commit()
        flash(_("The draft has been saved."), "success")
        return redirect(target_url(target), code=303)
    return _editor(period, target, form=form, status=422 if form.errors else 200)


@bp.post("/staff/periods/<int:period_id>/responses/<any(opinion, group):kind>/<int:target_id>/copy")
@roles_required("staff", "admin")
def copy(period_id: int, kind: str, target_id: int):
    period = editable_period(period_id)
    target = _target(period, kind, target_id)
    form = CopyForm(sources=[])
    source = db.session.get(Response, form.source.data or 0) if form.validate_on_submit() else None
    try:
        if source is None:
            raise services.ResponseError("bad_source")
        services.copy_response(period, target, source, actor=current_user)
    except services.ResponseError as exc:
        db.session.rollback()
        flash(error_message(exc.code), "error")
        return redirect(target_url(target), code=303)
    db.session.commit()
    flash(_("The answer has been copied into this draft. Adjust it to this opinion."), "success")
    return redirect(target_url(target), code=303)


@bp.post("/staff/periods/<int:period_id>/responses/<any(opinion, group):kind>/<int:target_id>/changes")
@roles_required("staff", "admin")
def add_change(period_id: int, kind: str, target_id: int):
    period = editable_period(period_id)
    target = _target(period, kind, target_id)
    form = ChangeForm(sections=period.sections)
    if form.validate_on_submit():
        try:
            response = target.response or services.save_response(period, target, body="", category="",
                                                                 actor=current_user)
            services.add_change(response, section_id=form.section.data or None, before=form.before.data or "",
                                after=form.after.data or "", actor=current_user)
        except services.ResponseError as exc:
            db.session.rollback()
            form.section.errors.append(error_message(exc.code))
            return _editor(period, _target(period, kind, target_id), change_form=form, status=422)
        db.session.commit()
        flash(_("The change to the draft has been added."), "success")
        return redirect(target_url(target), code=303)
    return _editor(period, target, change_form=form, status=422)


@bp.post("/staff/responses/<int:response_id>/changes/<int:change_id>/delete")
@roles_required("staff", "admin")
def remove_change(response_id: int, change_id: int):
    response = editable_response(response_id)
    change = db.session.get(DraftChange, change_id)
    if change is None or change.response_id != response.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.remove_change(change, actor=current_user)
        except services.ResponseError as exc:
            db.session.rollback()
            flash(error_message(exc.code), "error")
        else:
            db.session.commit()
            flash(_("The change has been removed."), "success")
    return redirect(target_url(response), code=303)


def _act(response_id: int, action, done: str, **kwargs):
    response = editable_response(response_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(response, actor=current_user, **kwargs)
    except services.ResponseError as exc:
        db.session.rollback()
        flash(error_message(exc.code), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(target_url(response), code=303)


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
    period = db.session.get(CommentPeriod, response.period_id)
    return _editor(period, services.response_target(response), return_form=form, status=422)


@bp.route("/admin/settings/categories", methods=["GET", "POST"])
@roles_required("admin")
def categories():
    if request.method == "POST":
        form = CategoriesForm()
    else:
        form = CategoriesForm(data={"rows": [{"code": code, "title": label, "title_en": english}
                                             for code, label, english in label_entries("response.categories")]})
        form.rows.append_entry()
    if form.validate_on_submit():
        try:
            services.set_categories(form.entries(), actor=current_user)
        except services.ResponseError as exc:
            db.session.rollback()
            form.form_errors.append(error_message(exc.code))
        else:
            db.session.commit()
            flash(_("The reflection categories have been saved."), "success")
            return redirect(url_for("responses.categories"), code=303)
    in_use = services.categories_in_use()
    html = render_template("responses/categories.html", form=form, in_use=in_use, title=_("Reflection categories"))
    return html, 422 if form.errors else 200
