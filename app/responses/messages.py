"""What each broken rule of answering says to the staff member who met it."""

from flask_babel import gettext as _
from flask_babel import ngettext


def error_message(code: str) -> str:
    from app.responses.approvals import APPROVE_MAX

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
        "not_published": _("The result has not been published yet."),
        "too_long": _("One of the texts is too long."),
        "draft_date_after_close": _("The draft cannot have been published after the period closed."),
        "reason_required": _("Enter the reason for the correction."),
        "after_required": _("Enter the corrected text."),
        "nothing_selected": _("Tick at least one answer to approve."),
        "too_many_selected": _("Approve at most %(max)d answers at once.", max=APPROVE_MAX),
    }.get(code, _("The request could not be processed."))


def problem_message(problem) -> str:
    n = problem.count
    return {
        "already_published": lambda: _("The result has already been published."),
        "not_closed": lambda: _("The comment period has not closed yet."),
        "pending_opinions": lambda: ngettext("%(num)d opinion has not been decided by moderation yet.",
                                             "%(num)d opinions have not been decided by moderation yet.", n),
        "unsplit_submissions": lambda: ngettext("%(num)d submission has not been split into opinions yet.",
                                                "%(num)d submissions have not been split into opinions yet.", n),
        "missing_responses": lambda: ngettext("%(num)d accepted opinion or group has no approved answer.",
                                              "%(num)d accepted opinions or groups have no approved answer.", n),
        "no_title": lambda: _("The result has no title."),
        "no_draft_date": lambda: _("The date the draft was published is missing."),
        "no_full_text_note": lambda: _("Summaries stand in for full texts: say where the full texts can be read."),
        "personal_data_unreviewed": lambda: ngettext(
            "%(num)d personal detail (phone, email, address or name) found in accepted opinions or approved answers "
            "has not been reviewed: hide it or mark it as not personal.",
            "%(num)d personal details (phones, emails, addresses or names) found in accepted opinions or approved "
            "answers have not been reviewed: hide each or mark it as not personal.", n),
        "personal_data_unscreened": lambda: ngettext(
            "%(num)d accepted opinion or approved answer changed since it was screened and holds personal data: "
            "screen it again and review what is found.",
            "%(num)d accepted opinions or approved answers changed since they were screened and hold personal data: "
            "screen them again and review what is found.", n),
    }[problem.code]()
