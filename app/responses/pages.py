"""How the answer editor is drawn and where it is, for responses' views and for a feature that shows
it again (the privacy review re-shows it with its refusal next to the finding)."""

from flask import render_template, url_for
from flask_babel import gettext as _

from app.accounts.services import user_labels
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.responses import services
from app.responses.forms import ActionForm, ChangeForm, CopyForm, ResponseForm, ReturnForm
from app.responses.models import Response


def target_url(target_or_response) -> str:
    """Where the answer editor of a target (an opinion or a group), or of an answer's target, is."""
    if isinstance(target_or_response, Response):
        response = target_or_response
        kind, target_id = ("group", response.group_id) if response.group_id else ("opinion", response.opinion_id)
        return url_for("responses.edit", period_id=response.period_id, kind=kind, target_id=target_id)
    return url_for("responses.edit", period_id=target_or_response.lead.period_id, kind=target_or_response.kind,
                   target_id=target_or_response.id)


def _shortened(text: str, limit: int = 30) -> str:
    """The opening words of an opinion: enough to tell one answer page from another in a title or tab."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def render_editor(period: CommentPeriod, target: services.Target, form=None, change_form=None, copy_form=None,
                  return_form=None, status: int = 200, **extra):
    """The answer editor of one target; a form given replaces the blank one (it failed, with its errors)."""
    response = target.response
    others = [t for t in services.period_targets(period) if t.response is not None and t.response.body
              and t.key != target.key]
    history = services.audit_history(response)
    html = render_template(
        "responses/edit.html", period=period, target=target, response=response,
        form=form or ResponseForm(obj=response),
        change_form=change_form or ChangeForm(sections=period.sections),
        copy_form=copy_form or CopyForm(sources=[(t.response, public_text(t.lead)[:60]) for t in others]),
        return_form=return_form or ReturnForm(), action_form=ActionForm(), history=history,
        history_names=user_labels(entry.actor_id for entry in history),
        labels=services.category_labels(), public_text=public_text,
        title=_("The city's view: %(opinion)s", opinion=_shortened(public_text(target.lead))), **extra,
    )
    return html, status
