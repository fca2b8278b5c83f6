"""How moderation's pages are drawn, for its own views and for a feature that shows one of them again
(the privacy review re-shows an opinion's page with its refusal next to the finding)."""

from flask import render_template
from flask_babel import gettext as _

from app.moderation import labels, services
from app.moderation.forms import DecisionForm, GroupChoiceForm, OpinionForm, ReasonForm, RedactionForm
from app.moderation.services.redaction import public_text
from app.moderation.services.stats import GROUP_CHOICES, group_sizes, period_groups


def moderation_globals() -> dict:
    """What every moderation template reads: the label tables and the public text of an opinion."""
    return {"labels": labels, "public_text": public_text}


def _forms(opinion, **given):
    submission = opinion.submission
    forms = {
        "edit_form": OpinionForm(submission=submission, period=submission.period,
                                 tags=services.period_tags(opinion.period_id),
                                 data={"entry": str(opinion.entry_id or ""), "excerpt": opinion.excerpt,
                                       "summary": opinion.summary,
                                       "section": str(opinion.section_id or ""),
                                       "tags": [str(t.id) for t in opinion.tags]}, prefix="edit"),
        "decision_form": DecisionForm(prefix="decide", data={
            "decision": opinion.state if opinion.state != "pending" else "accepted",
            "withhold_reason": opinion.withhold_reason, "note": opinion.withhold_note}),
        "redaction_form": RedactionForm(prefix="redact"),
        "group_form": GroupChoiceForm(prefix="group", groups=[
            g for g in period_groups(opinion.period_id, GROUP_CHOICES) if g.id != opinion.group_id]),
        "ungroup_form": ReasonForm(prefix="ungroup"),
        "delete_form": ReasonForm(prefix="delete"),
        "unredact_form": ReasonForm(prefix="unredact"),
    }
    forms.update(given)
    return forms


def render_opinion(opinion, status=200, **given):
    """An opinion's page with its forms; ``given`` replaces a form (one that failed) or adds a value."""
    history = services.opinion_history(opinion)
    names = services.user_labels([e.actor_id for e in history]
                                 + [opinion.decided_by_id, opinion.submission.claimed_by_id])
    size = group_sizes([opinion.group_id]).get(opinion.group_id, 0) if opinion.group_id else 0
    return render_template(
        "moderation/opinion.html", opinion=opinion, submission=opinion.submission, history=history, names=names,
        group_size=size, title=_("Opinion %(n)d of submission %(no)s", n=opinion.position,
                                 no=opinion.submission.receipt_no),
        **_forms(opinion, **given),
    ), status
