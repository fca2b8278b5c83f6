"""The facilitator's pages for the day: attendance, walk-ins, groups, notes, the summary.

Built for a tablet and for a shaky connection: every change is its own small form that works
without JavaScript; with it, notes are sent in the background and resent until saved.
"""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.actions import run_action, show_refusal
from app.core.auth import load_permitted, roles_required
from app.core.ids import id_arg
from app.core.timeutil import jst_today, to_jst
from app.extensions import db
from app.workshops import facilitation, services
from app.workshops.day_forms import CheckInCodeForm, GroupForm, NoteForm, SummaryForm, VotesForm, WalkInForm
from app.workshops.forms import ActionForm
from app.workshops.messages import error_message
from app.workshops.models import Registration, Workshop, WorkshopGroup, WorkshopNote
from app.workshops.services import WorkshopError

bp = Blueprint("facilitation", __name__, url_prefix="/facilitate")
ROLES = ("facilitator", "staff", "admin")


def facilitated_workshop(workshop_id: int) -> Workshop:
    return load_permitted(Workshop, workshop_id, Workshop.can_facilitate)


@bp.get("")
@roles_required(*ROLES)
def index():
    workshops = facilitation.workshops_of(current_user)
    return render_template("workshops/day_index.html", workshops=workshops,
                           counts=services.counts_for([workshop.id for workshop in workshops]),
                           title=_("My workshops"))


@bp.get("/workshops/<int:workshop_id>")
@roles_required(*ROLES)
def attendance(workshop_id: int, code_form=None, walk_in_form=None):
    workshop = facilitated_workshop(workshop_id)
    people = facilitation.people(workshop, attended=False)
    return render_template("workshops/attendance.html", workshop=workshop, people=people,
                           days_away=days_to_event(workshop), counts=services.counts_for([workshop.id])[workshop.id],
                           code_form=code_form or CheckInCodeForm(), walk_in_form=walk_in_form or WalkInForm(),
                           action_form=ActionForm(), title=_("Attendance: %(title)s", title=workshop.title))


def days_to_event(workshop: Workshop) -> int:
    """Days from today (JST) to the workshop's day: 0 on the day, negative after it.

    Check-in is for the day itself. Before it, a check-in is almost surely a slip (the wrong workshop
    in the list), so the page warns in advance and says so again after each one; after the day, the
    page still records attendance, as a city enters the paper sign-in sheet the next morning."""
    return (to_jst(workshop.starts_at).date() - jst_today()).days


def _early_warning(workshop: Workshop) -> None:
    days = days_to_event(workshop)
    if days > 0:
        flash(ngettext("Note: this workshop is %(num)d day away. Undo the check-in if it was a mistake.",
                       "Note: this workshop is %(num)d days away. Undo the check-in if it was a mistake.", days), "info")


@bp.post("/workshops/<int:workshop_id>/registrations/<int:registration_id>/check-in")
@roles_required(*ROLES)
def check_in(workshop_id: int, registration_id: int):
    workshop = facilitated_workshop(workshop_id)
    registration = db.session.get(Registration, registration_id)
    back = url_for("facilitation.attendance", workshop_id=workshop_id)
    return run_action(lambda: facilitation.check_in(workshop, registration, actor=current_user), form=ActionForm(),
                      done=lambda _fresh: _("%(name)s is checked in.", name=registration.name or _("Walk-in")),
                      after_commit=lambda _fresh: _early_warning(workshop),
                      then=back + f"#r{registration_id}", back=back)


@bp.post("/workshops/<int:workshop_id>/registrations/<int:registration_id>/undo")
@roles_required(*ROLES)
def undo_check_in(workshop_id: int, registration_id: int):
    workshop = facilitated_workshop(workshop_id)
    registration = db.session.get(Registration, registration_id)
    back = url_for("facilitation.attendance", workshop_id=workshop_id)
    return run_action(lambda: facilitation.undo_check_in(workshop, registration, actor=current_user),
                      form=ActionForm(), done=_("The check-in has been undone."), category="info",
                      then=back + f"#r{registration_id}", back=back)


@bp.post("/workshops/<int:workshop_id>/check-in")
@roles_required(*ROLES)
def check_in_code(workshop_id: int):
    workshop = facilitated_workshop(workshop_id)
    form = CheckInCodeForm()

    def done(result) -> str:
        registration, fresh = result
        message = _("%(name)s is checked in.") if fresh else _("%(name)s was already checked in.")
        return message % {"name": registration.name}

    return run_action(lambda: facilitation.check_in_by_code(workshop, form.code.data, actor=current_user),
                      form=form, page=lambda: attendance(workshop_id, code_form=form), status=400,
                      error_field=form.code, done=done, after_commit=lambda _result: _early_warning(workshop),
                      then=url_for("facilitation.attendance", workshop_id=workshop_id))


@bp.post("/workshops/<int:workshop_id>/walk-ins")
@roles_required(*ROLES)
def walk_in(workshop_id: int):
    workshop = facilitated_workshop(workshop_id)
    form = WalkInForm()
    return run_action(
        lambda: facilitation.add_walk_in(workshop, {"name": (form.name.data or "").strip(),
                                                    "attribute": form.attribute.data,
                                                    "party_size": form.party_size.data}, actor=current_user),
        form=form, page=lambda: attendance(workshop_id, walk_in_form=form), status=400, error_field=form.name,
        done=_("The walk-in has been added and checked in."),
        then=url_for("facilitation.attendance", workshop_id=workshop_id))


@bp.get("/workshops/<int:workshop_id>/groups")
@roles_required(*ROLES)
def groups(workshop_id: int, group_form=None):
    workshop = facilitated_workshop(workshop_id)
    people = facilitation.people(workshop, attended=True)
    return render_template("workshops/groups.html", workshop=workshop, people=people,
                           group_form=group_form or GroupForm(), action_form=ActionForm(),
                           title=_("Groups: %(title)s", title=workshop.title))


@bp.post("/workshops/<int:workshop_id>/groups")
@roles_required(*ROLES)
def create_group(workshop_id: int):
    workshop = facilitated_workshop(workshop_id)
    form = GroupForm()
    return run_action(lambda: facilitation.create_group(workshop, form.name.data, actor=current_user), form=form,
                      page=lambda: groups(workshop_id, group_form=form), status=400, error_field=form.name,
                      done=_("The group has been added."), then=url_for("facilitation.groups", workshop_id=workshop_id))


@bp.post("/workshops/<int:workshop_id>/groups/assign")
@roles_required(*ROLES)
def assign(workshop_id: int):
    workshop = facilitated_workshop(workshop_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    assignments = {}
    for key, value in request.form.items():
        if not key.startswith("group-"):
            continue
        registration_id, group_id = id_arg(key.removeprefix("group-")), value.strip()
        if registration_id is None or not (group_id == "" or id_arg(group_id)):
            abort(400)
        assignments[registration_id] = id_arg(group_id)
    return run_action(lambda: facilitation.assign_groups(workshop, assignments, actor=current_user),
                      done=_("The groups have been saved."), then=url_for("facilitation.groups", workshop_id=workshop_id))


def _group(workshop_id: int, group_id: int) -> tuple[Workshop, WorkshopGroup]:
    return facilitated_workshop(workshop_id), db.get_or_404(WorkshopGroup, group_id)


@bp.get("/workshops/<int:workshop_id>/groups/<int:group_id>")
@roles_required(*ROLES)
def notes(workshop_id: int, group_id: int, note_form=None, vote_error=None):
    workshop, group = _group(workshop_id, group_id)
    if group.workshop_id != workshop.id:
        abort(404)
    kind = request.args.get("kind")
    note_form = note_form or NoteForm(kinds=workshop.note_kinds,
                                      kind=kind if kind in workshop.note_kinds else None)
    # vote_error: (note id, what was typed, message), shown at that note's votes, where the eye is.
    return render_template("workshops/notes.html", workshop=workshop, group=group, note_form=note_form,
                           action_form=ActionForm(), vote_error=vote_error,
                           title=_("Notes: %(group)s", group=group.name))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/workshops/<int:workshop_id>/groups/<int:group_id>/notes")
@roles_required(*ROLES)
def add_note(workshop_id: int, group_id: int):
    workshop, group = _group(workshop_id, group_id)
    form = NoteForm(kinds=workshop.note_kinds)
    if form.validate_on_submit():
        try:
            note, _created = facilitation.add_note(workshop, group, kind=form.kind.data, text=form.text.data,
                                                   client_key=form.client_key.data, actor=current_user)
        except WorkshopError as exc:
            db.session.rollback()
            if exc.field is None and not _wants_json():
                flash(exc.message, "error")
                return redirect(url_for("facilitation.groups", workshop_id=workshop_id), code=303)
            show_refusal(form, exc, form.text)
        else:
            db.session.commit()
            if _wants_json():
                return jsonify(ok=True, id=note.id, html=render_template(
                    "workshops/_note.html", note=note, workshop=workshop, group=group, action_form=ActionForm()))
            flash(_("The note has been saved."), "success")
            return redirect(url_for("facilitation.notes", workshop_id=workshop_id, group_id=group_id,
                                    kind=note.kind) + "#note-form", code=303)
    if _wants_json():
        return jsonify(ok=False, errors=[e for errors in form.errors.values() for e in errors]), 400
    return notes(workshop_id, group_id, note_form=form), 400


@bp.post("/workshops/<int:workshop_id>/groups/<int:group_id>/notes/<int:note_id>/votes")
@roles_required(*ROLES)
def votes(workshop_id: int, group_id: int, note_id: int):
    workshop, group = _group(workshop_id, group_id)
    form = VotesForm()
    back = url_for("facilitation.notes", workshop_id=workshop_id, group_id=group_id) + f"#note-{note_id}"
    if not form.validate_on_submit():
        # Refused next to the number, with nothing changed: a message at the top of the page was missed
        # by facilitators, who are looking at the note they were counting.
        message = " ".join(str(e) for errors in form.errors.values() for e in errors) or error_message("")
        return notes(workshop_id, group_id, vote_error=(note_id, request.form.get("votes", ""), message)), 400
    note = db.session.get(WorkshopNote, note_id)
    return run_action(lambda: facilitation.set_note_votes(workshop, group, note, form.votes.data, actor=current_user),
                      done=_("The votes have been saved."), then=back,
                      back=url_for("facilitation.groups", workshop_id=workshop_id))


@bp.post("/workshops/<int:workshop_id>/groups/<int:group_id>/notes/<int:note_id>/delete")
@roles_required(*ROLES)
def delete_note(workshop_id: int, group_id: int, note_id: int):
    workshop, group = _group(workshop_id, group_id)
    note = db.session.get(WorkshopNote, note_id)
    return run_action(lambda: facilitation.delete_note(workshop, group, note, actor=current_user), form=ActionForm(),
                      done=_("The note has been deleted."), category="info",
                      then=url_for("facilitation.notes", workshop_id=workshop_id, group_id=group_id),
                      back=url_for("facilitation.groups", workshop_id=workshop_id))


@bp.route("/workshops/<int:workshop_id>/summary", methods=["GET", "POST"])
@roles_required(*ROLES)
def summary(workshop_id: int):
    workshop = facilitated_workshop(workshop_id)
    form = SummaryForm(data={"summary": workshop.summary})

    def page():
        return render_template("workshops/summary.html", workshop=workshop, form=form,
                               groups=facilitation.report_groups(workshop),
                               title=_("Summary: %(title)s", title=workshop.title))

    if request.method != "POST":
        return page()
    return run_action(lambda: facilitation.save_summary(workshop, form.summary.data or "", actor=current_user),
                      form=form, page=page, status=200, error_field=form.summary, done=_("The summary has been saved."),
                      then=url_for("facilitation.summary", workshop_id=workshop_id))
