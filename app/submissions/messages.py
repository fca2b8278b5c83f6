"""What each broken rule says to the person, in their language, next to the field it concerns."""

from flask_babel import gettext as _

from app.core.formatting import format_datetime
from app.submissions.importing import ImportFileError
from app.submissions.services import SubmissionError


def error_message(error: SubmissionError) -> str:
    params = error.params
    when = format_datetime(params["closes_at"]) if params.get("closes_at") else ""
    messages = {
        "not_open": lambda: _("This comment period is not open for opinions."),
        "withdrawn": lambda: _("This comment period has been withdrawn. Opinions are no longer accepted."),
        "not_open_yet": lambda: _("This comment period has not opened yet. Please send your opinion once it opens."),
        "closed": lambda: _("The comment period closed at %(when)s, so your opinion could not be accepted. "
                            "Your text is kept below so that you can copy it.", when=when),
        "web_not_accepted": lambda: _("This period does not accept opinions through the web form. "
                                      "See the period page for the other ways to send your opinion."),
        "body_required": lambda: _("Write your opinion."),
        "body_too_long": lambda: _("This opinion is %(count)d characters long; the limit is %(max)d.", **params),
        "section_foreign": lambda: _("Choose a section of this draft."),
        "attribute_unknown": lambda: _("Choose one of the options."),
        "detail_required": lambda: _("This item is required."),
        "detail_not_asked": lambda: _("This item is not asked for in this period."),
        "too_many_files": lambda: _("Attach at most %(max)d files.", **params),
        "file_too_large": lambda: _("%(name)s is larger than %(mb)d MB.", **params),
        "file_kind": lambda: _("%(name)s is not a PDF, JPEG or PNG file. Only those kinds can be attached.", **params),
        "file_empty": lambda: _("%(name)s is empty.", **params),
        "received_in_future": lambda: _("The date received cannot be in the future."),
        "received_before_open": lambda: _("The date received is before the period opened."),
        "received_late": lambda: _("Received after the period closed (%(when)s): this opinion is not in time.",
                                   when=when),
        "period_not_accepting": lambda: _("This period is a draft or has been withdrawn; it takes no opinions."),
        "results_published": lambda: _("The results of this period are published; no more opinions can be added."),
        "channel_unknown": lambda: _("Choose how it was received."),
        "key_taken": lambda: _("This confirmation page was not issued to this browser, so nothing has been sent. "
                               "Check your entries below and press “Send” again."),
        "forbidden": lambda: _("You do not have permission to do this."),
    }
    return messages.get(error.code, lambda: _("The request could not be processed."))()


def attach_error(form, error: SubmissionError) -> str | None:
    """Put the message next to its field; return it when it belongs to the whole form instead."""
    message = error_message(error)
    field = None
    if error.field.startswith("entries-"):
        _prefix, index, name = error.field.split("-", 2)
        if int(index) < len(form.entries):
            field = form.entries[int(index)].form[name]
    elif error.field and error.field in form:
        field = form[error.field]
    if field is None:
        return message
    field.errors = [*field.errors, message]
    return None


def import_file_message(error: ImportFileError) -> str:
    """Why a whole import file was refused, and what to do about it."""
    return error.message


def already_imported_message(error: ImportFileError) -> str:
    params = error.params
    return _("This file was already imported into this period on %(when)s (%(count)d submissions, receipt numbers "
             "%(first)s to %(last)s). The same file is not imported twice.", when=format_datetime(params["when"]),
             count=params["count"], first=params["first"], last=params["last"])
