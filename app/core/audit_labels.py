"""What people read for the audit log's codes: one table of action names and object kinds, used by the
moderation history, the history of a city's view and the admin audit log alike (STYLE: one home per
label). A code missing here is shown as it is, so a new action is never hidden, only unnamed."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "auth.login": _l("Logged in"),
    "auth.login_failed": _l("Failed login"),
    "auth.login_locked": _l("Login locked after failed attempts"),
    "auth.logout": _l("Logged out"),
    "auth.password_change": _l("Password changed"),
    "digest.accept_cluster": _l("Cluster of similar opinions accepted"),
    "digest.export": _l("Digest exported"),
    "digest.request": _l("Digest requested"),
    "group.create": _l("Group created"),
    "group.dissolve": _l("Group dissolved"),
    "group.rename": _l("Group renamed"),
    "job.retry": _l("Job retried"),
    "job_run.download": _l("Job file downloaded"),
    "job_run.retry": _l("Job retried"),
    "opinion.create": _l("Cut out of the submission"),
    "opinion.update": _l("Edited"),
    "opinion.tag": _l("Tagged"),
    "opinion.accept": _l("Accepted for answering"),
    "opinion.withhold": _l("Withheld from publication"),
    "opinion.reverse": _l("Decision reversed"),
    "opinion.redact": _l("Redacted"),
    "opinion.unredact": _l("Redaction removed"),
    "opinion.redactions_moved": _l("Redactions moved after an edit"),
    "opinion.group": _l("Added to a group"),
    "opinion.ungroup": _l("Removed from its group"),
    "opinion.delete": _l("Deleted"),
    "period.create": _l("Comment period created"),
    "period.document_add": _l("Document added"),
    "period.document_remove": _l("Document removed"),
    "period.extend": _l("Comment period extended"),
    "period.schedule": _l("Comment period scheduled"),
    "period.sections": _l("Sections of the draft changed"),
    "period.unschedule": _l("Comment period taken back to draft"),
    "period.update": _l("Comment period edited"),
    "period.withdraw": _l("Comment period withdrawn"),
    "plan.create": _l("Plan created"),
    "plan.publish": _l("Plan published"),
    "plan.unpublish": _l("Plan unpublished"),
    "plan.update": _l("Plan edited"),
    "privacy.not_personal": _l("Found words marked as not personal"),
    "privacy.redact": _l("Personal data hidden"),
    "privacy.screen": _l("Screened for personal data"),
    "response.approve": _l("Answer approved"),
    "response.change_add": _l("Change to the draft added"),
    "response.change_remove": _l("Change to the draft removed"),
    "response.copy": _l("Copied from another answer"),
    "response.reopen": _l("Reopened for editing"),
    "response.return": _l("Returned with comments"),
    "response.save": _l("Saved"),
    "response.submit": _l("Sent for approval"),
    "result.erratum": _l("Correction published"),
    "result.publish": _l("Result published"),
    "result.staff_export": _l("Internal list requested"),
    "result.staff_export_download": _l("Internal list downloaded"),
    "result.update": _l("Result details edited"),
    "retention.purge": _l("Old personal data deleted"),
    "setting.change": _l("Setting changed"),
    "submission.claim": _l("Submission claimed"),
    "submission.complete": _l("Submission marked done"),
    "submission.enter": _l("Submission entered by staff"),
    "submission.import": _l("Submissions imported"),
    "submission.reissue_code": _l("Lookup code issued again"),
    "submission.release": _l("Claim released"),
    "submission.reopen": _l("Submission reopened"),
    "tag.create": _l("Tag created"),
    "tag.delete": _l("Tag deleted"),
    "tag.rename": _l("Tag renamed"),
    "user.create": _l("User created"),
    "user.grant_role": _l("Role granted"),
    "user.revoke_role": _l("Role revoked"),
    "workshop.assign_groups": _l("Participants assigned to groups"),
    "workshop.cancel": _l("Workshop cancelled"),
    "workshop.cancel_registration": _l("Sign-up cancelled by its holder or staff"),
    "workshop.capacity": _l("Capacity changed"),
    "workshop.check_in": _l("Checked in"),
    "workshop.create": _l("Workshop created"),
    "workshop.group_create": _l("Group created"),
    "workshop.note_add": _l("Note added"),
    "workshop.note_delete": _l("Note deleted"),
    "workshop.note_votes": _l("Votes recorded"),
    "workshop.promote": _l("Moved up from the waitlist"),
    "workshop.publish": _l("Workshop published"),
    "workshop.purge_accommodation": _l("Accommodation requests deleted"),
    "workshop.register": _l("Signed up for a workshop"),
    "workshop.report_publish": _l("Workshop report published"),
    "workshop.summary": _l("Summary edited"),
    "reading_entry.add": _l("Reading added to the city dictionary"),
    "reading_entry.delete": _l("Reading removed from the city dictionary"),
    "workshop.undo_check_in": _l("Check-in undone"),
    "workshop.update": _l("Workshop edited"),
    "workshop.walk_in": _l("Walk-in added"),
    "plantext.import": _l("Plan text imported"),
    "plantext.publish": _l("Plan text version published"),
    "plantext.version_create": _l("Plan text version created"),
    "plantext.section_edit": _l("Plan text section edited"),
    "plantext.period_sections": _l("Period sections made from the plan text"),
    "survey.copy": _l("Survey copied"),
    "survey.create": _l("Survey created"),
    "survey.group_add": _l("Target group added"),
    "survey.group_remove": _l("Target group removed"),
    "survey.paper_entry": _l("Paper answer keyed in"),
    "survey.publish": _l("Survey published"),
    "survey.question_add": _l("Question added"),
    "survey.question_move": _l("Question moved"),
    "survey.question_remove": _l("Question removed"),
    "survey.question_update": _l("Question edited"),
    "survey.report_publish": _l("Survey report published"),
    "survey.update": _l("Survey edited"),
}

OBJECT_LABELS = {
    "CommentPeriod": _l("Comment period"),
    "Digest": _l("Digest"),
    "JobRun": _l("Job"),
    "Opinion": _l("Opinion"),
    "OpinionGroup": _l("Group of opinions"),
    "Plan": _l("Plan"),
    "Registration": _l("Sign-up"),
    "Response": _l("The city's view"),
    "Result": _l("Result"),
    "Setting": _l("Setting"),
    "Submission": _l("Submission"),
    "Tag": _l("Tag"),
    "User": _l("User"),
    "Workshop": _l("Workshop"),
    "WorkshopGroup": _l("Workshop group"),
    "WorkshopNote": _l("Workshop note"),
    "Erratum": _l("Correction"),
    "Section": _l("Section"),
    "PeriodDocument": _l("Document"),
    "PersonalFinding": _l("Personal data found"),
    "Survey": _l("Survey"),
    "SurveyGroup": _l("Target group"),
    "Question": _l("Survey question"),
    "ReadingEntry": _l("City dictionary word"),
    "PlanVersion": _l("Version of the plan text"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS[code]) if code in ACTION_LABELS else code


def object_label(object_type: str, object_id: str = "") -> str:
    """「意見（ID 12）」: the kind of thing in the reader's language, and its number."""
    if not object_type:
        return ""
    kind = str(OBJECT_LABELS[object_type]) if object_type in OBJECT_LABELS else object_type
    return _("%(kind)s #%(id)s", kind=kind, id=object_id) if object_id else kind


def actor_name(entry, names: dict[int, str]) -> str:
    return names.get(entry.actor_id) or entry.actor_label or ""


def init_app(app) -> None:
    app.add_template_global(action_label, "action_label")
    app.add_template_global(object_label, "object_label")
    app.add_template_global(actor_name, "actor_name")
