"""The route table: for every endpoint, who may use it. A new endpoint that is not here fails
``test_every_endpoint_has_a_rule`` — add it with its rule (and, if its URL needs ids the generic
mapping cannot guess, the values to build it with).

Rules:
- ``PUBLIC``: everyone, including nobody (a 404 for a missing object is still possible per route).
- ``LOGGED_IN``: any account; nobody is sent to log in.
- a set of roles: nobody is sent to log in, other roles get 403. The URL points at objects of
  department A, so ``staff`` and ``moderator`` (of A) are in the set where the check is per
  department and ``staff_other`` and ``moderator_other`` (of B) are not.
"""

from dataclasses import dataclass, field

PUBLIC = "public"
LOGGED_IN = "logged_in"
LOGGED_IN_ROLES = frozenset({"citizen", "moderator", "moderator_other", "staff", "staff_other", "facilitator",
                             "admin"})
ADMIN = frozenset({"admin"})
MODERATION = frozenset({"moderator", "admin"})  # moderators of the object's department, and admins
ANY_MODERATOR = frozenset({"moderator", "moderator_other", "admin"})  # pages listing only their own periods
DEPT = frozenset({"staff", "admin"})  # staff of the object's department, and admins
ANY_STAFF = frozenset({"staff", "staff_other", "admin"})
SUBMISSION_READERS = frozenset({"staff", "moderator", "admin"})
DIGEST_READERS = frozenset({"staff", "moderator", "admin"})
FACILITATORS = frozenset({"staff", "facilitator", "admin"})
FACILITATION_INDEX = frozenset({"staff", "staff_other", "facilitator", "admin"})


@dataclass(frozen=True)
class Rule:
    who: object
    values: dict = field(default_factory=dict)  # url argument -> key in the world's ids ("a.period")
    ok: tuple[int, ...] = ()  # extra statuses that count as allowed for this route (e.g. 404 for nothing yet)


R = Rule
TABLE: dict[str, Rule] = {
    # core and accounts
    "static": R(PUBLIC, {"filename": "=css/site.css"}),
    "core.home": R(PUBLIC),
    "core.accessibility": R(PUBLIC),
    # open data feeds (the JSON API under /api/v1 is covered by is_api below)
    "feeds.periods": R(PUBLIC),
    "feeds.results": R(PUBLIC),
    "feeds.plan": R(PUBLIC),
    "core.set_language": R(PUBLIC),
    "accounts.login": R(PUBLIC),
    "accounts.logout": R(LOGGED_IN),
    "accounts.change_password": R(LOGGED_IN),
    "accounts.users": R(ADMIN),
    "accounts.user_roles": R(ADMIN),
    "accounts.audit_log": R(ADMIN),
    # plans
    "plans.index": R(PUBLIC),
    "plans.show": R(PUBLIC),
    "plans.staff_index": R(ANY_STAFF),
    "plans.create": R(ANY_STAFF),
    "plans.edit": R(DEPT),
    "plans.office_dashboard": R(DEPT),
    "plans.publish": R(DEPT),
    # the plan's text: a version that does not exist (yet) is a 404, for staff and public alike
    "plantext.read": R(PUBLIC, {"version_id": "=1"}, ok=(404,)),
    "plantext.staff": R(DEPT, ok=(422,)),
    "plantext.publish": R(DEPT, {"version_id": "=1"}, ok=(404, 422)),
    # comparing two versions (a plan with fewer than two says so); a period's changes from its text
    "plantext_diff.compare": R(PUBLIC, ok=(404,)),
    "plantext_diff.period_changes": R(DEPT, ok=(422,)),
    "plantext_diff.change_opinions": R(DEPT, {"anchor": "=ch1"}, ok=(404,)),
    "plantext.next_version": R(DEPT, ok=(400, 422)),
    "plantext.edit_section": R(DEPT, {"version_id": "=1", "section_id": "=1"}, ok=(404,)),
    "plantext.period_sections_from_text": R(DEPT),
    # periods
    "periods.index": R(PUBLIC),
    "periods.show": R(PUBLIC),
    "periods.document": R(PUBLIC),
    "periods.staff_index": R(ANY_STAFF),
    "periods.create": R(DEPT),
    "periods.edit": R(DEPT),
    "periods.schedule": R(DEPT),
    "periods.unschedule": R(DEPT),
    "periods.withdraw": R(DEPT),
    "periods.documents": R(DEPT),
    "periods.delete_document": R(DEPT),
    "periods.sections": R(DEPT),
    "periods.settings": R(ADMIN),
    # submissions
    "submissions.form": R(PUBLIC),
    "submissions.edit": R(PUBLIC),
    "submissions.confirm": R(PUBLIC),
    "submissions.send": R(PUBLIC),
    # The lookup code travels in no query: the receipt comes from the session, the lookup form POSTs it.
    "submissions.receipt": R(PUBLIC, {"receipt": "a.receipt"}),
    "submissions.lookup": R(PUBLIC, {"receipt": "a.receipt"}),
    "submissions.staff_index": R(SUBMISSION_READERS),
    "submissions.staff_show": R(SUBMISSION_READERS),
    "submissions.attachment": R(SUBMISSION_READERS),
    "submissions.enter": R(DEPT),
    "submissions.slip": R(DEPT),
    "submissions.reissue_code": R(DEPT),
    "submissions.import_file": R(DEPT),
    "submissions.import_template": R(DEPT),
    "submissions.import_run": R(DEPT, {"run_id": "import_run"}),
    "submissions.import_status": R(DEPT, {"run_id": "import_run"}),
    # moderation: moderators work their department's periods; tag lists belong to the period's staff
    "moderation.dashboard": R(ANY_MODERATOR),
    "moderation.queue": R(ANY_MODERATOR),
    "moderation.submission": R(MODERATION),
    "moderation.claim": R(MODERATION),
    "moderation.release": R(MODERATION),
    "moderation.split": R(MODERATION),
    "moderation.complete": R(MODERATION),
    "moderation.reopen": R(MODERATION),
    "moderation.create_opinion": R(MODERATION),
    "moderation.opinion": R(MODERATION),
    "moderation.update_opinion": R(MODERATION),
    "moderation.decide": R(MODERATION),
    "moderation.redact": R(MODERATION),
    "moderation.unredact": R(MODERATION),
    "moderation.add_to_group": R(MODERATION),
    "moderation.ungroup": R(MODERATION),
    "moderation.delete": R(MODERATION),
    "moderation.opinions": R(MODERATION),
    "moderation.bulk": R(MODERATION),
    "moderation.groups": R(MODERATION),
    "moderation.group": R(MODERATION),
    "moderation.rename_group": R(MODERATION),
    "moderation.dissolve": R(MODERATION),
    "moderation.tags": R(DEPT),
    "moderation.rename_tag": R(DEPT),
    "moderation.delete_tag": R(DEPT),
    # responses and results
    "responses.overview": R(ANY_STAFF),
    "responses.work": R(DEPT),
    "responses.edit": R(DEPT, {"kind": "=group", "target_id": "a.group"}),
    "responses.copy": R(DEPT, {"kind": "=group", "target_id": "a.group"}),
    "responses.add_change": R(DEPT, {"kind": "=group", "target_id": "a.group"}),
    "responses.remove_change": R(DEPT),
    "responses.submit": R(DEPT),
    "responses.approve": R(DEPT),
    "responses.approve_many": R(ANY_STAFF, ok=(422,)),  # any staff may ask; only what they may approve is done
    "responses.return_to_author": R(DEPT),
    "responses.categories": R(ADMIN),
    "results.index": R(PUBLIC),
    "results.show": R(PUBLIC, {"period_id": "published"}),
    "digests.heard": R(PUBLIC, {"period_id": "published"}),
    "results.download": R(PUBLIC, {"period_id": "published", "fmt": "=csv"}),
    "results.manage": R(DEPT),
    "results.preview": R(DEPT),
    "results.publish": R(DEPT),
    "results.add_erratum": R(DEPT, {"period_id": "published"}),
    "results.rebuild_exports": R(DEPT, {"period_id": "published"}),
    "results.staff_export": R(DEPT, {"period_id": "published"}),
    "results.staff_download": R(DEPT, {"run_id": "staff_run", "fmt": "=csv"}),
    # personal data found in texts to be published: opinions' findings are the moderators', the list
    # and the screen-again button also the publishing staff's
    "privacy.redact": R(MODERATION),
    "privacy.not_personal": R(MODERATION),
    "privacy.review": R(SUBMISSION_READERS),
    "privacy.screen": R(SUBMISSION_READERS),
    # workshops
    "workshops.index": R(PUBLIC),
    "workshops.show": R(PUBLIC),
    "workshops.calendar": R(PUBLIC),
    "workshops.register": R(PUBLIC),
    "workshops.registration": R(PUBLIC),
    "workshops.cancel": R(PUBLIC),
    "workshops.confirm_cancel": R(PUBLIC),
    # following a plan and the calendar feeds; a token the world did not sign is refused with a page (400)
    "follow.subscribe": R(PUBLIC),
    "follow.sent": R(PUBLIC),
    "follow.confirm": R(PUBLIC, ok=(400,)),
    "follow.unsubscribe": R(PUBLIC, ok=(400,)),
    "follow.plan_calendar": R(PUBLIC),
    "follow.city_calendar": R(PUBLIC),
    # No report is published yet: 404 for the public, the preview for the workshop's staff.
    "workshops.report": R(PUBLIC, ok=(404,)),
    "workshop_staff.index": R(ANY_STAFF),
    "workshop_staff.create": R(DEPT),
    "workshop_staff.edit": R(DEPT),
    "workshop_staff.manage": R(DEPT),
    "workshop_staff.capacity": R(DEPT),
    "workshop_staff.publish": R(DEPT),
    "workshop_staff.cancel": R(DEPT),
    "workshop_staff.publish_report": R(DEPT),
    "facilitation.index": R(FACILITATION_INDEX),
    "facilitation.attendance": R(FACILITATORS),
    "facilitation.check_in": R(FACILITATORS),
    "facilitation.undo_check_in": R(FACILITATORS),
    "facilitation.check_in_code": R(FACILITATORS),
    "facilitation.walk_in": R(FACILITATORS),
    "facilitation.groups": R(FACILITATORS),
    "facilitation.create_group": R(FACILITATORS),
    "facilitation.assign": R(FACILITATORS),
    "facilitation.notes": R(FACILITATORS, {"group_id": "a.wgroup"}),
    "facilitation.add_note": R(FACILITATORS, {"group_id": "a.wgroup"}),
    "facilitation.votes": R(FACILITATORS, {"group_id": "a.wgroup"}),
    "facilitation.delete_note": R(FACILITATORS, {"group_id": "a.wgroup"}),
    "facilitation.summary": R(FACILITATORS),
    # background work and digests
    "jobs.admin_index": R(ADMIN),
    "jobs.retry_run": R(ADMIN, {"run_id": "failed_run"}),
    "reading.dictionary": R(ADMIN),
    "reading.add": R(ADMIN, ok=(422,)),
    "reading.delete": R(ADMIN, {"entry_id": "=1"}),
    "reading.glossary_page": R(PUBLIC),
    "reading.glossary_staff": R(ANY_STAFF),
    "reading.glossary_add": R(ANY_STAFF, ok=(422,)),
    "reading.glossary_edit": R(ANY_STAFF, {"term_id": "glossary_term"}),
    "reading.glossary_delete": R(ANY_STAFF, {"term_id": "glossary_term"}),
    # a summary is written by who may edit its period or workshop (a result's is its period's)
    "reading.easy_summary": R(DEPT, {"subject_kind": "=period", "subject_id": "a.period"}),
    "jobs.retry_outbox": R(ADMIN, {"job_id": "failed_job"}),
    "jobs.show_run": R(DIGEST_READERS, {"run_id": "digest_export"}),
    "jobs.run_json": R(DIGEST_READERS, {"run_id": "digest_export"}),
    "jobs.download": R(DIGEST_READERS, {"run_id": "digest_export", "index": "=0"}),
    "digests.show": R(DIGEST_READERS),
    "digests.rebuild": R(DIGEST_READERS),
    "digests.export": R(DIGEST_READERS),
    "digests.accept": R(DIGEST_READERS),
    "digests.workshop": R(FACILITATORS),
    # surveys: citizens answer without an account; the builder, codes, paper entry and results are the
    # department's. No report is published yet: 404 for everyone.
    "surveys.show": R(PUBLIC),
    "surveys.answer": R(PUBLIC),
    "surveys.edit": R(PUBLIC),
    "surveys.confirm": R(PUBLIC, ok=(400,)),
    "surveys.send": R(PUBLIC, ok=(400,)),
    "surveys.thanks": R(PUBLIC),
    "surveys.report": R(PUBLIC, ok=(404,)),
    "surveys.staff_index": R(ANY_STAFF),
    "surveys.create": R(DEPT),
    "surveys.staff_show": R(DEPT),
    "surveys.add_group": R(DEPT),
    "surveys.remove_group": R(DEPT, {"group_id": "survey_group"}),
    "surveys.question": R(DEPT, {"question_id": "survey_question"}),
    "surveys.question_action": R(DEPT, {"question_id": "survey_question", "action": "=up"}),
    "surveys.survey_action": R(DEPT, {"action": "=publish"}),
    "surveys.preview": R(DEPT),
    "surveys.codes": R(DEPT),
    "surveys.staff_results": R(DEPT),
    "surveys.export": R(DEPT),
    "surveys.texts": R(DEPT),
    "surveys.screen_texts": R(DEPT),
    "surveys.paper": R(DEPT, ok=(400,)),
    "surveys.second_keying": R(DEPT, {"state": "=on"}),
    "surveys.keyings": R(DEPT),
    # a pair of keyings that does not exist (the world keys none): 404 for those allowed, 403 for others
    "surveys.resolve": R(DEPT, {"keying_id": "=999999"}, ok=(404,)),
    "surveys.import_answers": R(DEPT, ok=(400,)),
    "surveys.import_template": R(DEPT),
    # the print kit: staff of the period's department build and download it; the blank form and poster
    # are public once built (none is built in the route world: 404). The form-number lookup is any staff's.
    "printkit.build": R(DEPT),
    "printkit.staff_download": R(DEPT, {"slug": "=form"}, ok=(404,)),
    "printkit.public_download": R(PUBLIC, {"slug": "=form"}, ok=(404,)),
    "printkit.lookup": R(ANY_STAFF),
    # the council: meetings and members are the plan's department's; the public reads a meeting and asks
    # for a seat. No minutes file in the world: 404. The receipt is this browser's own (a redirect without).
    "council.meeting": R(PUBLIC),
    "council.minutes": R(PUBLIC, ok=(404,)),
    "council.ask_seat": R(PUBLIC),
    "council.receipt": R(PUBLIC),
    "council_staff.index": R(ANY_STAFF),
    "council_staff.plan_council": R(DEPT),
    "council_staff.create_meeting": R(DEPT),
    "council_staff.edit_meeting": R(DEPT),
    "council_staff.manage": R(DEPT),
    "council_staff.publish_meeting": R(DEPT),
    "council_staff.cancel_meeting": R(DEPT),
    "council_staff.create_member": R(DEPT),
    "council_staff.edit_member": R(DEPT),
    "council_staff.delete_member": R(DEPT),
}

# URL argument -> the world's id used unless the rule says otherwise.
DEFAULT_VALUES = {
    "plan_id": "a.plan", "period_id": "a.period", "document_id": "a.document", "submission_id": "a.submission",
    "attachment_id": "a.attachment", "opinion_id": "a.opinion", "group_id": "a.group", "tag_id": "a.tag",
    "redaction_id": "a.redaction", "response_id": "a.response", "change_id": "a.change", "cluster_id": "a.cluster",
    "workshop_id": "a.workshop", "registration_id": "a.registration", "note_id": "a.note", "token": "a.token",
    "finding_id": "a.finding", "survey_id": "survey", "meeting_id": "meeting", "member_id": "member",
    "user_id": "admin_target", "run_id": "digest_export", "index": "=0",
}


def is_api(endpoint: str) -> bool:
    """The open-data API (``api.``, GET only) is built on another branch: public by rule."""
    return endpoint.startswith("api.")


def rule_for(endpoint: str) -> Rule | None:
    if endpoint in TABLE:
        return TABLE[endpoint]
    if is_api(endpoint):
        return Rule(PUBLIC, ok=(404,))
    return None


def allowed(rule: Rule, role: str) -> bool:
    if rule.who == PUBLIC:
        return True
    if rule.who == LOGGED_IN:
        return role != "nobody"
    return role in rule.who


def lookup(ids: dict, key: str):
    if key.startswith("="):
        value = key[1:]
        return int(value) if value.isdigit() else value
    node = ids
    for part in key.split("."):
        node = node[part]
    return node


def url_values(rule_obj, rule: Rule, ids: dict, overrides: dict | None = None) -> tuple[dict, dict]:
    """(path values, query values) for a werkzeug rule, from the table and the default mapping."""
    mapping = {**DEFAULT_VALUES, **rule.values, **(overrides or {})}
    path = {arg: lookup(ids, mapping[arg]) for arg in rule_obj.arguments}
    query = {arg: lookup(ids, key) for arg, key in rule.values.items() if arg not in rule_obj.arguments}
    return path, query
