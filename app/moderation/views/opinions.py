from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.actions import run_action
from app.extensions import db
from app.moderation import services
from app.moderation.forms import DecisionForm, GroupChoiceForm, OpinionForm, ReasonForm, RedactionForm
from app.moderation.models import Redaction
from app.moderation.pages import render_opinion
from app.moderation.services.stats import GROUP_CHOICES, period_groups
from app.moderation.views import bp, load_group, load_opinion, moderator_required
from app.moderation.views.submissions import period_tags


@bp.get("/moderation/opinions/<int:opinion_id>")
@moderator_required
def opinion(opinion_id: int):
    return render_opinion(load_opinion(opinion_id))


def _form_page(opinion_id: int, form_name: str, form_factory, action, success: str):
    """Validate one of the page's forms and run its service; on refusal show the page with the error."""
    opinion = load_opinion(opinion_id)
    form = form_factory(opinion)
    return run_action(lambda: action(opinion, form), form=form, error_field=form,
                      page=lambda: render_opinion(load_opinion(opinion_id), 400, **{form_name: form}),
                      done=success, then=url_for("moderation.opinion", opinion_id=opinion_id))


@bp.post("/moderation/opinions/<int:opinion_id>")
@moderator_required
def update_opinion(opinion_id: int):
    def action(opinion, form):
        return services.update_opinion(opinion, current_user, **form.values())

    def success(counts):
        if counts["dropped"] or counts["added"]:
            return _("The opinion has been saved. Redactions were adjusted to the new text: %(added)d added, "
                     "%(dropped)d removed because their words are gone. Check the public text.", **counts)
        return _("The opinion has been saved.")

    return _form_page(opinion_id, "edit_form", lambda o: OpinionForm(
        submission=o.submission, period=o.submission.period, tags=period_tags(o.period_id), prefix="edit"),
        action, success)


@bp.post("/moderation/opinions/<int:opinion_id>/decide")
@moderator_required
def decide(opinion_id: int):
    def action(opinion, form):
        return services.decide_opinion(opinion, current_user, decision=form.decision.data,
                                       withhold_reason=form.withhold_reason.data or "", note=form.note.data or "",
                                       reason=form.reason.data or "")

    return _form_page(opinion_id, "decision_form", lambda o: DecisionForm(prefix="decide"), action,
                      _("The decision has been recorded."))


@bp.post("/moderation/opinions/<int:opinion_id>/redactions")
@moderator_required
def redact(opinion_id: int):
    def action(opinion, form):
        if form.phrase.data:
            return services.redact_phrase(opinion, current_user, phrase=form.phrase.data, reason=form.reason.data,
                                          note=form.note.data or "")
        return [services.add_redaction(opinion, current_user, start=form.start.data, end=form.end.data,
                                       reason=form.reason.data, note=form.note.data or "")]

    return _form_page(opinion_id, "redaction_form", lambda o: RedactionForm(prefix="redact"), action,
                      lambda added: ngettext("%(num)d span hidden from the public text.", "%(num)d spans hidden from the public text.", len(added)))


@bp.post("/moderation/redactions/<int:redaction_id>/remove")
@moderator_required
def unredact(redaction_id: int):
    redaction = db.get_or_404(Redaction, redaction_id)
    return _form_page(redaction.opinion_id, "unredact_form", lambda o: ReasonForm(prefix="unredact"),
                      lambda o, form: services.remove_redaction(redaction, current_user, form.reason.data),
                      _("The redaction has been removed."))


@bp.post("/moderation/opinions/<int:opinion_id>/group")
@moderator_required
def add_to_group(opinion_id: int):
    def action(opinion, form):
        return services.group_opinions([opinion], current_user, group=load_group(int(form.group.data)))

    return _form_page(opinion_id, "group_form", lambda o: GroupChoiceForm(prefix="group", groups=[
        g for g in period_groups(o.period_id, GROUP_CHOICES) if g.id != o.group_id]), action, _("The opinion has been added to the group."))


@bp.post("/moderation/opinions/<int:opinion_id>/ungroup")
@moderator_required
def ungroup(opinion_id: int):
    return _form_page(opinion_id, "ungroup_form", lambda o: ReasonForm(prefix="ungroup"),
                      lambda o, form: services.remove_from_group(o, current_user, form.reason.data),
                      _("The opinion has been removed from its group."))


@bp.post("/moderation/opinions/<int:opinion_id>/delete")
@moderator_required
def delete(opinion_id: int):
    opinion = load_opinion(opinion_id)
    submission_id = opinion.submission_id
    form = ReasonForm(prefix="delete")
    if not form.validate_on_submit():
        return render_opinion(opinion, 400, delete_form=form)
    return run_action(lambda: services.delete_opinion(opinion, current_user, form.reason.data),
                      done=_("The opinion has been deleted."),
                      then=url_for("moderation.submission", submission_id=submission_id),
                      back=url_for("moderation.opinion", opinion_id=opinion_id))
