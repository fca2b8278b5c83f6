"""What each broken rule says to the person who met it."""

from flask_babel import gettext as _


def error_message(code: str) -> str:
    messages = {
        "not_found": _("This workshop does not exist or is not public."),
        "forbidden": _("You are not assigned to this workshop."),
        "signup_draft": _("This workshop is not open for sign-up."),
        "signup_cancelled": _("This workshop has been cancelled, so sign-up is closed."),
        "signup_past": _("This workshop has already taken place."),
        "signup_not_yet": _("Sign-up has not opened yet."),
        "signup_closed": _("The sign-up period has ended."),
        "name_required": _("Enter your name."),
        "email_required": _("Enter your email address."),
        "phone_required": _("Enter your phone number."),
        "contact_required": _("Enter an email address or a phone number."),
        "attribute_required": _("Choose one."),
        "kind_unknown": _("Choose the kind of event from the list."),
        "party_too_large": _("That is more people than can sign up together."),
        "party_range": _("Enter a number between 1 and 20."),
        "already_cancelled": _("This has already been cancelled."),
        "cancel_too_late": _("The workshop has already started, so this can no longer be cancelled here."),
        "already_held": _("The workshop has already started and cannot be cancelled."),
        "reason_required": _("Enter the reason."),
        "capacity_range": _("Enter a number between 1 and 10000."),
        "capacity_below_confirmed": _("The capacity cannot be lower than the seats already confirmed."),
        "party_above_capacity": _("The most people per sign-up cannot be more than the capacity."),
        "ends_before_start": _("The ending time must be after the starting time."),
        "signup_window_order": _("Sign-up must close after it opens."),
        "signup_closes_after_start": _("Sign-up must close before the workshop starts."),
        "not_a_facilitator": _("Choose users who have the facilitator role."),
        "registration_not_in_workshop": _("That participant is not registered for this workshop."),
        "workshop_cancelled": _("This workshop has been cancelled."),
        "checkin_waitlisted": _("This person is on the waitlist, not confirmed. Add them as a walk-in if there is room."),
        "checkin_cancelled": _("This sign-up was cancelled. Add the person as a walk-in if there is room."),
        "code_required": _("Enter the code."),
        "code_unknown": _("No participant of this workshop has that code. Check the code and try again."),
        "code_other_workshop": _("That code belongs to another workshop."),
        "group_name": _("Enter a group name of at most 50 characters."),
        "group_name_taken": _("A group with that name already exists."),
        "group_not_in_workshop": _("That group belongs to another workshop."),
        "note_kind": _("Choose a kind from the list."),
        "note_empty": _("Write the note."),
        "note_too_long": _("Keep a note within 1000 characters."),
        "note_not_in_group": _("That note belongs to another group."),
        "client_key": _("The form was incomplete. Reload the page and try again."),
        "votes_range": _("Enter a number between 0 and 999."),
        "summary_too_long": _("Keep the summary within 20000 characters."),
        "report_not_published_workshop": _("Only a published workshop can have a published report."),
        "report_before_end": _("The report can be published once the workshop is over."),
        "report_no_summary": _("Write the summary before publishing the report."),
        "report_no_attendance": _("Record attendance before publishing the report."),
    }
    return messages.get(code, _("The request could not be processed."))


def show_error(form, exc, fallback=None) -> bool:
    """Put the rule's message next to the field it concerns (or ``fallback``). False when neither exists."""
    field = form._fields.get(exc.field) if exc.field else None
    field = field or fallback
    if field is None:
        return False
    field.errors = [*field.errors, error_message(exc.code)]
    return True
