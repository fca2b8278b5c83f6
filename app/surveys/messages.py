"""What each survey error code says, in the reader's language, and what to do about it."""

from flask_babel import lazy_gettext as _l

from app.surveys.services import SurveyError

MESSAGES = {
    "frozen": _l("This survey already has answers, so its questions can no longer change. Make a copy of the "
                 "survey to change them."),
    "bad_sampling": _l("Choose how the group was selected."),
    "bad_distributed": _l("Enter the number of forms sent as 0 or more."),
    "group_in_use": _l("This group already has answer codes or answers and cannot be removed."),
    "bad_kind": _l("Choose a kind of question."),
    "need_choices": _l("Enter at least two choices, one per line."),
    "need_rows": _l("Enter at least one row, one per line."),
    "bad_max": _l("The most choices allowed must be between 1 and %(offered)d."),
    "bad_condition": _l("A question can only depend on an earlier single-choice question."),
    "bad_condition_choice": _l("Enter the number of one of that question's choices."),
    "condition_depends": _l("Another question is shown depending on this one. Change that question first."),
    "condition_order": _l("A question must come after the question it depends on."),
    "no_groups": _l("Add at least one target group before publishing."),
    "no_questions": _l("Add at least one question before publishing."),
    "report_before_close": _l("The report can be published once the survey has closed."),
    "code_missing": _l("Enter the answer code printed on your survey form."),
    "code_unknown": _l("This answer code is not one of this survey's codes. Check the code printed on your form."),
    "code_used": _l("This answer code has already been used, on the web or on a paper form. Each form can "
                    "answer only once."),
    "not_open": _l("This survey is not open."),
    "not_open_yet": _l("This survey has not opened yet."),
    "closed": _l("This survey has closed. Answers are no longer accepted."),
    "report_out": _l("The report of this survey is published; answers can no longer be added."),
    "group_missing": _l("Choose the group this form belongs to."),
    "invalid": _l("Some answers need correcting."),
    "form_number_missing": _l("Enter the form number written on the form: both keyings of a form use it."),
    "form_number_long": _l("Keep the form number within 40 characters."),
    "keying_differs": _l("This form has already been keyed twice and the keyings differ. Settle them in the list "
                         "of keyings to finish."),
    "keying_gone": _l("These keyings have already been settled or removed."),
    "pick_missing": _l("Choose the first or the second keying, or key it again."),
    "required": _l("Answer this question."),
    "bad_choice": _l("Choose from the choices offered (enter their numbers)."),
    "one_choice": _l("Choose only one."),
    "too_many": _l("Too many choices for this question."),
    "every_row": _l("Answer every row of this question."),
    "not_number": _l("Enter a number."),
    "too_long": _l("Keep the answer within 2,000 characters."),
    "text_unknown": _l("This text is not one of this survey's texts awaiting a decision. Reload the page."),
    "text_reason": _l("Say why the text is withheld (for example, it names a person)."),
}


def error_message(error: SurveyError | str) -> str:
    code = error if isinstance(error, str) else error.code
    params = {} if isinstance(error, str) else error.params
    message = MESSAGES.get(code)
    return str(message) % params if message is not None and params else str(message or code)
