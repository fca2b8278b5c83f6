"""How the answer editor is drawn and where it is, for responses' views and for a feature that shows
it again (the privacy review re-shows it with its refusal next to the finding)."""

from flask import render_template, url_for
from flask_babel import gettext as _

from app.accounts.services import user_labels
from app.moderation.services import public_text
from app.periods.models import CommentPeriod
from app.responses import services, worklist
from app.responses.forms import ActionForm, ChangeForm, CopyForm, ResponseForm, ReturnForm
from app.responses.models import Response

COPY_WORDS_MAX = 100


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
                  return_form=None, status: int = 200, copy_words: str = "", **extra):
    """The answer editor of one target; a form given replaces the blank one (it failed, with its errors).
    ``copy_words`` are what the clerk searched the answers to copy from for (none: the same section's)."""
    response = target.response
    copy_words = " ".join(copy_words.split())[:COPY_WORDS_MAX]
    sources = [] if period.results_published_at else worklist.copy_sources(period, target, copy_words)
    history = services.audit_history(response)
    html = render_template(
        "responses/edit.html", period=period, target=target, response=response,
        form=form or ResponseForm(obj=response),
        change_form=change_form or ChangeForm(sections=period.sections),
        copy_form=copy_form or CopyForm(sources=[(s.response, public_text(s.lead)[:60]) for s in sources]),
        copy_words=copy_words, copy_max=worklist.COPY_MAX,
        return_form=return_form or ReturnForm(), action_form=ActionForm(), history=history,
        history_names=user_labels(entry.actor_id for entry in history),
        labels=services.category_labels(), public_text=public_text,
        title=_("The city's view: %(opinion)s", opinion=_shortened(public_text(target.lead))), **extra,
    )
    return html, status
