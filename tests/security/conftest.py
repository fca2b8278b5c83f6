"""A seeded city for the cross-cutting security tests: two departments, each with a plan, a period
full of submissions, opinions, a group, a tag, a redaction and a response, and a published workshop
with a sign-up, a group and a note; department A also has a period whose result is published (with
its public and staff exports) and a draft plan, period and workshop nobody outside may see.

Every personal field and every unpublished text holds a unique marker (``CANARY_…``) so that the
canary test can look for them on every public page. Ids are handed out as ``World.ids``.
"""

import base64
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import scoped_session

from app.accounts.models import User
from app.core import runs, uploads
from app.core.models import JobRun, OutboxJob
from app.core.timeutil import utcnow
from app.digests.models import Digest, DigestCluster, DigestClusterMember
from app.digests.tasks import export_digest_csv
from app.extensions import db, limiter
from app.moderation.models import Opinion, OpinionGroup, Redaction, Tag
from app.periods import services as period_services
from app.periods.models import CommentPeriod, PeriodDocument, Section, default_field_rules
from app.plans import services as plan_services
from app.privacy import services as privacy_services
from app.reading.models import GlossaryTerm
from app.responses import results
from app.responses import services as response_services
from app.responses.models import DraftChange
from app.submissions.models import Attachment, Submission, SubmissionEntry
from app.submissions.services import ATTACHMENT_AREA, token_hash
from app.workshops import registrations
from app.workshops import services as workshop_services
from app.workshops.models import WorkshopGroup, WorkshopNote
from tests.conftest import csrf_token, login

DEPT_A = "まちづくり政策課"
DEPT_B = "財政課"
PASSWORD = "correct horse battery"
ROLES = ("nobody", "citizen", "moderator", "moderator_other", "staff", "staff_other", "facilitator", "admin")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

# Personal data and unpublished text: none of these may reach a public page, feed, API or export.
CANARIES = {
    "submitter_name": "CANARYSUBNAME",
    "submitter_address": "CANARYSUBADDR",
    "submitter_email": "canarysubmail@example.jp",
    "submitter_phone": "0839990001",
    "submission_body": "CANARYSUBBODY",
    "opinion_excerpt": "CANARYEXCERPT",
    "pending_summary": "CANARYPENDING",
    "withheld_summary": "CANARYWITHHELD",
    "withhold_note": "CANARYWITHHOLDNOTE",
    "redacted": "CANARYREDACTED",
    "group_title": "CANARYGROUPTITLE",
    "tag": "CANARYTAG",
    "draft_response": "CANARYDRAFTANSWER",
    "return_comment": "CANARYRETURN",
    "attachment_name": "CANARYATTACH.png",
    "participant_name": "CANARYPARTNAME",
    "participant_email": "canarypartmail@example.jp",
    "participant_phone": "0839990002",
    "participant_answer": "CANARYPARTANSWER",
    "accommodation_note": "CANARYACCOMNOTE",
    "unpublished_note": "CANARYNOTE",
    "draft_plan": "CANARYDRAFTPLAN",
    "draft_period": "CANARYDRAFTPERIOD",
    "draft_workshop": "CANARYDRAFTWORKSHOP",
    "staff_email": "canarystaff@example.jp",
    "seat_name": "CANARYSEATNAME",
    "seat_contact": "canaryseat@example.jp",
    "draft_meeting": "CANARYDRAFTMEETING",
}


@dataclass
class World:
    ids: dict[str, object]
    users: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """The limiter's memory outlives a test; the security tests send more than a citizen would."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch):
    """These tests log in a dozen people per test; what they test is not the hash's cost."""
    from argon2 import PasswordHasher

    from app.accounts import services

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(services, "_hasher", quick)
    monkeypatch.setattr(services, "_DUMMY_HASH", quick.hash("not-a-real-password"))


@pytest.fixture(autouse=True)
def _files(app, tmp_path):
    saved = app.config["UPLOAD_FOLDER"], app.config["EXPORT_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    yield
    app.config["UPLOAD_FOLDER"], app.config["EXPORT_FOLDER"] = saved


def _period(plan_id, title, *, closed=False, status="scheduled", prefix=""):
    now = utcnow()
    opens, closes = (now - timedelta(days=40), now - timedelta(days=5)) if closed else \
        (now - timedelta(days=5), now + timedelta(days=25))
    period = CommentPeriod(plan_id=plan_id, title=title, opens_at=opens, closes_at=closes, status=status,
                           channels={"web": "", "email": "iken@example.jp", "post": "下関市南部町1-1"},
                           field_rules={**default_field_rules(), "phone": "optional"},
                           eligibility=["resident", "worker", "student"], viewing_places=["本庁舎"],
                           contact_department="まちづくり政策課", receipt_prefix=prefix)
    period.sections = [Section(position=i, label=f"第1章 {i}", title=t, body=f"{t}の本文")
                       for i, t in enumerate(("計画の背景", "計画の趣旨"), start=1)]
    db.session.add(period)
    db.session.flush()
    return period


def _document(period, staff):
    checked = uploads.CheckedFile(filename="draft.pdf", content_type="application/pdf", data=PDF)
    stored = uploads.store(checked, period_services.DOCUMENT_AREA)
    doc = PeriodDocument(period_id=period.id, title="計画案", filename=checked.filename, stored_name=stored,
                         content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                         uploaded_by_id=staff.id)
    db.session.add(doc)
    db.session.flush()
    return doc


_counter = iter(range(1, 10**6))


def secret_for(n: int) -> str:
    """A lookup secret of the kind the receipt shows (A-Z2-7), one per seeded submission."""
    return base64.b32encode(f"meyasu{n:04d}".encode()).decode()[:16]


def _submission(period, *, body, name="下関 太郎", address="下関市南部町1-1", email="", phone="", attach=False):
    n = next(_counter)
    submission = Submission(period_id=period.id, receipt_no=f"{period.receipt_prefix or period.id}-T{n:05d}",
                            channel="web", received_at=utcnow() - timedelta(days=3), name=name, address=address,
                            attribute="resident", email=email, phone=phone,
                            lookup_token_hash=token_hash(secret_for(n)),
                            entries=[SubmissionEntry(position=0, body=body, section_id=period.sections[0].id)])
    if attach:
        checked = uploads.CheckedFile(filename=CANARIES["attachment_name"], content_type="image/png", data=PNG)
        submission.attachments = [Attachment(filename=checked.filename, stored_name=uploads.store(checked, ATTACHMENT_AREA),
                                             content_type=checked.content_type, size=checked.size,
                                             sha256=checked.sha256)]
    db.session.add(submission)
    db.session.flush()
    return submission


def _opinion(submission, *, summary, state="accepted", excerpt=None, group=None, **extra):
    entry = submission.entries[0]
    opinion = Opinion(period_id=submission.period_id, submission_id=submission.id, entry_id=entry.id,
                      excerpt=excerpt or entry.body, summary=summary, state=state, section_id=entry.section_id,
                      group_id=group.id if group else None, position=next(_counter), **extra)
    db.session.add(opinion)
    db.session.flush()
    return opinion


def _department(prefix, plan, staff, approver, facilitator, *, secrets: bool):
    """One department's open period with everything moderation and responses make, and its workshop."""
    ids = {}
    period = _period(plan.id, f"{prefix}意見募集", prefix=f"S{prefix}")
    doc = _document(period, staff)
    def marker(key, default):
        return (CANARIES[key] if secrets else default)
    first = _submission(period, body=f"{marker('submission_body', '本文')} 市民活動センターの開館時間を延ばしてほしい。",
                        name=marker("submitter_name", "山田"), address=marker("submitter_address", "下関市"),
                        email=marker("submitter_email", "a@example.jp"), phone=marker("submitter_phone", "0830000000"),
                        attach=True)
    second = _submission(period, body="センターの案内表示を分かりやすくしてほしい。")
    group = OpinionGroup(period_id=period.id, title=marker("group_title", "案内の改善"))
    db.session.add(group)
    db.session.flush()
    lead = _opinion(first, summary="開館時間の延長を求める意見", excerpt=marker("opinion_excerpt", "開館時間"),
                    group=group)
    _opinion(second, summary="案内表示の改善を求める意見", group=group)
    alone = _opinion(second, summary=marker("pending_summary", "未判断の意見"), state="pending")
    _opinion(second, summary=marker("withheld_summary", "非公開の意見"), state="withheld",
             withhold_reason="third_party", withhold_note=marker("withhold_note", "理由"))
    tag = Tag(period_id=period.id, name=marker("tag", "センター"))
    db.session.add(tag)
    lead.tags = [tag]
    redaction = Redaction(opinion_id=lead.id, field="excerpt", start=0, end=4, reason="private_person")
    db.session.add(redaction)
    db.session.flush()
    alone.summary = f"{alone.summary} 連絡先 090-1234-5678"
    finding = privacy_services.screen_opinion(alone).findings[0]
    target = response_services.find_target(period, "group", group.id)
    response = response_services.save_response(period, target, body=marker("draft_response", "下書きの回答"),
                                               category="C", actor=staff)
    response.return_comment = marker("return_comment", "")
    change = DraftChange(response_id=response.id, section_id=period.sections[0].id, before="前", after="後")
    db.session.add(change)
    digest = Digest(period_id=period.id, built_at=utcnow(), submission_count=2, opinion_count=2, counts={},
                    keywords={})
    db.session.add(digest)
    db.session.flush()
    cluster = DigestCluster(digest_id=digest.id, position=1, kind="near", size=2, sample="案内")
    db.session.add(cluster)
    db.session.flush()
    db.session.add(DigestClusterMember(cluster_id=cluster.id, opinion_id=alone.id))

    workshop = workshop_services.create_workshop(plan, {
        "title": f"{prefix}ワークショップ", "theme": "市民活動", "content": "グループで話し合います。",
        "starts_at": utcnow() + timedelta(days=14), "ends_at": utcnow() + timedelta(days=14, hours=3),
        "venue_name": "市民活動センター", "venue_address": "下関市", "venue_access": "", "venue_accessibility": "",
        "online_url": "", "capacity": 10, "max_party_size": 2, "eligibility": "", "contact_mode": "email_or_phone",
        "signup_opens_at": utcnow() - timedelta(days=1), "signup_closes_at": utcnow() + timedelta(days=13),
        "question_1": "関心のあるテーマは？", "question_2": "", "note_kinds": ["課題", "アイデア"],
    }, actor=staff, facilitator_ids=[facilitator.id] if facilitator else [])
    workshop_services.publish_workshop(workshop, actor=staff)
    registration, _ = registrations.register_participant(workshop.id, {
        "name": marker("participant_name", "参加 花子"), "email": marker("participant_email", "p@example.jp"),
        "phone": marker("participant_phone", "0900000000"), "attribute": "resident", "party_size": 1,
        "answer_1": marker("participant_answer", "回答"),
        "accommodation": {"wheelchair": True, "sign_language": False, "writing": False, "childcare": False,
                          "note": marker("accommodation_note", "配慮")}})
    db.session.flush()
    wgroup = WorkshopGroup(workshop_id=workshop.id, name="A班", position=1)
    db.session.add(wgroup)
    db.session.flush()
    note = WorkshopNote(group_id=wgroup.id, kind="課題", text=marker("unpublished_note", "付箋"), client_key=f"seed{prefix}")
    db.session.add(note)
    db.session.flush()
    ids.update(period=period.id, plan=plan.id, document=doc.id, submission=first.id, submission2=second.id,
               attachment=first.attachments[0].id, opinion=lead.id, lone=alone.id, group=group.id, tag=tag.id,
               redaction=redaction.id, finding=finding.id, response=response.id, change=change.id, section=period.sections[0].id,
               cluster=cluster.id, workshop=workshop.id, registration=registration.id, wgroup=wgroup.id,
               note=note.id, token=registrations.registration_token(registration),
               checkin=registration.checkin_code, receipt=first.receipt_no,
               secret=secret_for(int(first.receipt_no.rsplit("-T", 1)[1])))
    return ids


def _published_period(plan, author, approver):
    """A closed period of department A whose result is published, with its public and staff exports."""
    period = _period(plan.id, "結果公表済みの意見募集", closed=True, prefix="R")
    sub = _submission(period, body="CANARYSUBBODY 公表済み期間の意見", name=CANARIES["submitter_name"],
                      email=CANARIES["submitter_email"], phone=CANARIES["submitter_phone"],
                      address=CANARIES["submitter_address"])
    _opinion(sub, summary="公表される意見の概要", excerpt=CANARIES["opinion_excerpt"])
    _opinion(sub, summary=CANARIES["withheld_summary"], state="withheld", withhold_reason="unrelated",
             withhold_note=CANARIES["withhold_note"])
    for target in response_services.period_targets(period):
        response = response_services.save_response(period, target, body="公表される市の考え方です。", category="A",
                                                   actor=author)
        response_services.submit_response(response, actor=author)
        response_services.approve_response(response, actor=approver)
    results.update_result(period, title="結果", draft_published_on=date(2025, 10, 6),
                          full_text_note="全文は窓口で閲覧できます。", introduction="", actor=author)
    results.publish_result(period, actor=approver)
    staff_run = results.request_staff_export(period, actor=author)
    return period, staff_run


def _login_client(app, email):
    client = app.test_client()
    response = login(client, email, PASSWORD)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client


@pytest.fixture
def world(app, make_user, run_jobs):
    users = {
        "citizen": make_user("citizen"),
        "moderator": make_user("moderator", department=DEPT_A),
        "moderator_other": make_user("moderator", department=DEPT_B),
        "staff": make_user("staff", department=DEPT_A, email=CANARIES["staff_email"]),
        "approver": make_user("staff", department=DEPT_A),
        "staff_other": make_user("staff", department=DEPT_B),
        "approver_other": make_user("staff", department=DEPT_B),
        "facilitator": make_user("facilitator"),
        "admin": make_user("admin"),
    }
    with app.test_request_context():
        get = lambda key: db.session.get(User, users[key])  # noqa: E731
        staff, staff_b = get("staff"), get("staff_other")
        plan_a = plan_services.create_plan({"title": "A計画", "summary": "", "department": DEPT_A, "contact": "",
                                            "start_year": 2026, "end_year": 2030}, actor=staff)
        plan_services.publish_plan(plan_a, actor=staff)
        plan_b = plan_services.create_plan({"title": "B計画", "summary": "", "department": DEPT_B, "contact": "",
                                            "start_year": 2026, "end_year": 2030}, actor=staff_b)
        plan_services.publish_plan(plan_b, actor=staff_b)
        draft_plan = plan_services.create_plan({"title": CANARIES["draft_plan"], "summary": "", "department": DEPT_A,
                                                "contact": "", "start_year": 2026, "end_year": 2030}, actor=staff)
        a = _department("A", plan_a, staff, get("approver"), get("facilitator"), secrets=True)
        b = _department("B", plan_b, staff_b, get("approver_other"), None, secrets=False)
        draft_period = _period(plan_a.id, CANARIES["draft_period"], status="draft")
        draft_workshop = workshop_services.create_workshop(plan_a, {
            "title": CANARIES["draft_workshop"], "theme": "", "content": "",
            "starts_at": utcnow() + timedelta(days=30), "ends_at": utcnow() + timedelta(days=30, hours=2),
            "venue_name": "会場", "venue_address": "", "venue_access": "", "venue_accessibility": "",
            "online_url": "", "capacity": 5, "max_party_size": 1, "eligibility": "", "contact_mode": "email",
            "signup_opens_at": utcnow(), "signup_closes_at": utcnow() + timedelta(days=29),
            "question_1": "", "question_2": "", "note_kinds": ["課題"]}, actor=staff)
        published, staff_run = _published_period(plan_a, staff, get("approver"))
        survey = _survey(plan_a, staff)
        council = _council(plan_a, staff)
        digest_export = runs.start_run("digest_export", export_digest_csv,
                                       subject_type="period", subject_id=a["period"], actor=staff)
        import_run = JobRun(kind="submissions.import", subject_type="period", subject_id=a["period"], state="done",
                            params={"filename": "import.csv", "period_id": a["period"]}, result={"count": 0})
        failed_run = JobRun(kind="digest", func="app.digests.tasks.build_period_digest", subject_type="period",
                            subject_id=a["period"], state="failed", error="boom")
        failed_job = OutboxJob(func="app.core.mail.send_email", args=[], state="failed", error="boom")
        glossary_term = GlossaryTerm(term="協働", reading="きょうどう", explanation="いっしょに 働く ことです。")
        db.session.add_all([import_run, failed_run, failed_job, glossary_term])
        db.session.flush()
        ids = {"a": a, "b": b, "draft_plan": draft_plan.id, "draft_period": draft_period.id,
               "draft_workshop": draft_workshop.id, "published": published.id, "staff_run": staff_run.id,
               "digest_export": digest_export.id, "import_run": import_run.id, "failed_run": failed_run.id,
               "failed_job": failed_job.id, "glossary_term": glossary_term.id, "admin_target": users["citizen"], "survey": survey.id,
               "survey_group": survey.groups[0].id, "survey_question": survey.questions[0].id, **council}
        db.session.commit()
        from app.core.jobs import dispatch

        dispatch()
    run_jobs()
    with app.app_context():
        ids["public_export"] = db.session.scalar(db.select(JobRun.id).where(JobRun.kind == results.EXPORT_KIND))
        emails = {role: db.session.get(User, uid).email for role, uid in users.items()}
    return World(ids=ids, users=users, emails=emails)


def _council(plan, staff):
    """A public meeting of department A with one seat asked for (a marker in name and contact), a draft
    meeting (a marker in its agenda) and a member."""
    from app.council import seats
    from app.council import services as council_services

    when = utcnow() + timedelta(days=20)
    base = {"council_name": "審議会", "starts_at": when, "ends_at": when + timedelta(hours=2), "place": "会議室",
            "minutes_text": "", "seat_capacity": 5, "signup_closes_at": None}
    meeting = council_services.create_meeting(plan, {**base, "number": 1, "agenda": "議題"}, actor=staff)
    council_services.publish_meeting(meeting, actor=staff)
    seats.request_seat(meeting.id, {"name": CANARIES["seat_name"], "contact": CANARIES["seat_contact"]})
    draft = council_services.create_meeting(plan, {**base, "number": 2, "agenda": CANARIES["draft_meeting"]},
                                            actor=staff)
    member = council_services.create_member(plan, {"name": "委員A", "category": "academic", "role": "chair",
                                                   "term_from": date(2025, 4, 1), "term_to": date(2027, 3, 31)},
                                            actor=staff)
    return {"meeting": meeting.id, "draft_meeting": draft.id, "member": member.id}


def _survey(plan, staff):
    """An open survey of department A whose group has a code, so no POST in the matrix removes it."""
    from sqlalchemy import insert

    from app.surveys import services as survey_services
    from app.surveys.answering import code_hash
    from app.surveys.models import AnswerCode

    survey = survey_services.create_survey(plan, {
        "title": "A調査", "purpose": "", "method": "", "opens_at": utcnow() - timedelta(days=1),
        "closes_at": utcnow() + timedelta(days=10), "uses_codes": True, "min_answered": 1, "small_cell": 5},
        actor=staff)
    group = survey_services.add_group(survey, label="市民", description="", sampling="random", distributed=3,
                                      actor=staff)
    survey_services.add_question(survey, survey_services.QuestionData(kind="single", text="質問",
                                                                      choices=["はい", "いいえ"]), actor=staff)
    survey_services.publish_survey(survey, actor=staff)
    db.session.execute(insert(AnswerCode), [{"survey_id": survey.id, "group_id": group.id,
                                             "code_hash": code_hash("SECU-RITY-TEST"), "used": False}])
    return survey


@pytest.fixture
def clients(app, world):
    """One client per role, logged in (``nobody`` is anonymous)."""
    made = {"nobody": app.test_client()}
    for role in ROLES[1:]:
        made[role] = _login_client(app, world.emails[role])
    return made


def token_for(client) -> str:
    return csrf_token(client, "/")


def undo_after(app):
    """A savepoint around one request: whatever it commits is rolled back after (the test's own
    connection is shared by every request)."""
    with app.app_context():
        session = db.session
        connection = session.get_bind() if isinstance(session, scoped_session) else None
    return connection.begin_nested()


LOGIN_REDIRECT = re.compile(r"/login(\?|$)")
