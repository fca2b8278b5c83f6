"""What each broken rule of answering says to the staff member who met it."""

from flask_babel import gettext as _


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
    }.get(code, _("The request could not be processed."))
