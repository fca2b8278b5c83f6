"""Words for the codes moderation stores (states, reason codes, channels) and for its refusals."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.periods.labels import CHANNEL_LABELS  # noqa: F401  (templates read labels.CHANNEL_LABELS)

SUBMISSION_STATE_LABELS = {"new": _l("New"), "in_progress": _l("In progress"), "done": _l("Done")}
# What the queue shows unless asked otherwise: the work still to do, not what is finished.
OPEN_STATES = ("new", "in_progress")
QUEUE_STATE_LABELS = {"open": _l("New or in progress"), **SUBMISSION_STATE_LABELS}
OPINION_STATE_LABELS = {"pending": _l("Not decided"), "accepted": _l("Accepted for answering"),
                        "withheld": _l("Withheld from publication")}
WITHHOLD_REASON_LABELS = {
    "third_party": _l("Personal data of a third party"),
    "defamation": _l("Defamation"),
    "advertising": _l("Advertising"),
    "unrelated": _l("Unrelated to the draft"),
    "duplicate": _l("Duplicate submission"),
    "other": _l("Other"),
}
REDACTION_REASON_LABELS = {"private_person": _l("Name of a private person"),
                           "contact": _l("Address, phone number or email address"), "other": _l("Other")}
CLAIM_LABELS = {"mine": _l("Claimed by me"), "others": _l("Claimed by others"), "unclaimed": _l("Not claimed")}
DECISION_LABELS = {"accepted": _l("Accept for answering"), "withheld": _l("Withhold from publication")}
BULK_LABELS = {"tag": _l("Add a tag"), "accept": _l("Accept for answering"),
               "withhold": _l("Withhold from publication"), "group": _l("Group as similar opinions")}


def error_message(error) -> str:
    """The refusal a moderator reads, in their language."""
    params = dict(error.params)
    messages = {
        "forbidden": lambda: _("You do not have permission to do this."),
        "published": lambda: _("The results of this comment period have been published; its opinions can no longer be changed."),
        "claimed_by_other": lambda: _("%(name)s is working on this submission. Ask them, or release their claim with a reason.", name=params.get("name") or _("Another moderator")),
        "submission_done": lambda: _("This submission is done. Reopen it first, with a reason."),
        "not_done": lambda: _("Only a done submission can be reopened."),
        "no_opinions": lambda: _("Cut at least one opinion out of the submission before marking it done."),
        "opinions_pending": lambda: ngettext("%(num)d opinion is not decided yet. Accept or withhold it first.", "%(num)d opinions are not decided yet. Accept or withhold each one first.", params.get("n", 0)),
        "reason_required": lambda: _("Enter a reason."),
        "reason_too_long": lambda: _("Keep the reason within %(max)d characters.", max=params.get("max", 0)),
        "excerpt_required": lambda: _("Enter the excerpt: the words of the submission this opinion comes from."),
        "excerpt_too_long": lambda: _("Keep the excerpt within %(max)d characters.", max=params.get("max", 0)),
        "excerpt_not_found": lambda: _("The excerpt is not in the submission. Copy the words exactly as the submission has them."),
        "entry_other_submission": lambda: _("Choose an entry of this submission."),
        "summary_too_long": lambda: _("Keep the summary within %(max)d characters.", max=params.get("max", 0)),
        "section_other_period": lambda: _("Choose a section of this comment period's draft."),
        "tag_other_period": lambda: _("Choose tags from this comment period's tag list."),
        "nothing_to_split": lambda: _("Every entry of this submission already has an opinion."),
        "bad_decision": lambda: _("Choose a decision."),
        "withhold_reason_required": lambda: _("Choose why the opinion is withheld."),
        "note_required": lambda: _("Describe the reason in the note when you choose “Other”."),
        "reversal_reason_required": lambda: _("This reverses a decision already made: enter the reason for the change."),
        "own_decision": lambda: _("Another moderator must review a reversal of your own decision on a done submission."),
        "grouped": lambda: _("This opinion is in a group. Remove it from the group before withholding it."),
        "response_approved": lambda: _("A response to this opinion or its group has been approved; the grouping and decision can no longer change."),
        "has_response": lambda: _("Opinion %(position)d of submission %(receipt)s (“%(text)s”) already has its own "
                                  "answer from the city, so it must stay on its own. Leave it out, or ask the "
                                  "department to delete that answer first.", position=params.get("position", 0),
                                  receipt=params.get("receipt", ""), text=params.get("text", "")),
        "cannot_delete": lambda: _("Only an undecided opinion outside any group can be deleted; decided opinions are kept."),
        "redaction_reason_required": lambda: _("Choose why the text is hidden."),
        "span_out_of_range": lambda: _("The span must lie within the public text (0 to %(length)d characters), with the start before the end.", length=params.get("length", 0)),
        "span_overlaps": lambda: _("That text is already hidden."),
        "phrase_required": lambda: _("Enter the words to hide, or a start and end position."),
        "phrase_too_long": lambda: _("Keep the words to hide within %(max)d characters.", max=params.get("max", 0)),
        "phrase_not_found": lambda: _("Those words are not in the public text of this opinion."),
        "selection_empty": lambda: _("Select at least one opinion."),
        "selection_too_large": lambda: _("Select at most %(max)d opinions at once.", max=params.get("max", 0)),
        "mixed_periods": lambda: _("All the opinions must belong to the same comment period."),
        "withheld_in_group": lambda: _("A withheld opinion cannot be grouped."),
        "in_other_group": lambda: _("Some of these opinions are in another group. Remove them from it first."),
        "group_needs_two": lambda: _("A group needs at least two opinions."),
        "not_grouped": lambda: _("This opinion is not in a group."),
        "title_required": lambda: _("Enter a title for the group."),
        "title_too_long": lambda: _("Keep the title within %(max)d characters.", max=params.get("max", 0)),
        "bad_action": lambda: _("Choose an action."),
        "tag_required": lambda: _("Choose a tag."),
        "tag_name_required": lambda: _("Enter the tag's name."),
        "tag_name_too_long": lambda: _("Keep the tag's name within %(max)d characters.", max=params.get("max", 0)),
        "tag_exists": lambda: _("This comment period already has a tag with that name."),
    }
    message = messages.get(error.code, lambda: _("The request could not be processed."))()
    if "opinion" in params:
        message = _("Opinion %(id)d: %(message)s", id=params["opinion"], message=message)
    return message


# Which form field a refusal belongs next to.
ERROR_FIELDS = {
    "excerpt_required": "excerpt", "excerpt_too_long": "excerpt", "excerpt_not_found": "excerpt",
    "entry_other_submission": "entry", "summary_too_long": "summary", "section_other_period": "section",
    "tag_other_period": "tags", "bad_decision": "decision", "withhold_reason_required": "withhold_reason",
    "note_required": "note", "reversal_reason_required": "reason", "reason_required": "reason",
    "reason_too_long": "reason", "redaction_reason_required": "reason", "span_out_of_range": "start",
    "span_overlaps": "phrase", "phrase_required": "phrase", "phrase_too_long": "phrase",
    "phrase_not_found": "phrase", "selection_empty": "action", "tag_required": "tag", "title_required": "title",
    "title_too_long": "title", "tag_name_required": "name", "tag_name_too_long": "name", "tag_exists": "name",
    "withheld_in_group": "action", "mixed_periods": "action", "group_needs_two": "action",
    "in_other_group": "action", "bad_action": "action",
}


def attach_error(form, error) -> None:
    """Show the refusal next to its field, or above the form when no field fits."""
    name = ERROR_FIELDS.get(error.code)
    message = error_message(error)
    if name and name in form:
        form[name].errors = [*form[name].errors, message]
    else:
        form.form_errors.append(message)
