"""A city with something of everything: public and unpublished plans, periods, results and workshops,
with marker strings in every personal or unpublished field (``SECRETS``) and in the published text
(``PUBLISHED``), so a leak test can fail both ways."""

from datetime import date, timedelta

import pytest

from app.core.jobs import dispatch
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion, Tag
from app.periods.models import CommentPeriod
from app.plans import services as plans
from app.plans.models import Plan
from app.responses import results, services
from app.responses.models import Response, Result
from app.workshops import services as workshops
from app.workshops.models import Accommodation, Registration, Workshop, WorkshopGroup, WorkshopNote
from tests.factories import user
from tests.responses.conftest import _export_folder, make_opinion, make_period  # noqa: F401  (closed periods, accepted opinions)
from tests.workshops.conftest import workshop_data

SECRETS = (
    # submitters and what they sent
    "LEAKNAME", "LEAKADDRESS", "leakmail", "LEAKPHONE", "LEAKBODY", "LEAKEXCERPT", "LEAKREDACTED",
    # moderation and responses that are not published
    "LEAKWITHHELDSUMMARY", "LEAKWITHHELDEXCERPT", "LEAKWITHHOLDNOTE", "LEAKGROUPTITLE", "LEAKTAG",
    "LEAKPENDING", "LEAKDRAFT", "LEAKORPHAN", "LEAKRETURN",
    # unpublished plans, periods, results
    "LEAKDRAFTPLAN", "LEAKHIDDENPLANPERIOD", "LEAKDRAFTPERIOD", "LEAKWITHDRAWNPERIOD", "LEAKUNPUBLISHEDRESULT",
    "LEAKUNPUBLISHEDANSWER", "LEAKRESULTTITLE", "LEAKRESULTINTRO",
    # workshops: unpublished ones, participants, accommodation, an unpublished report
    "LEAKDRAFTWORKSHOP", "LEAKPLANWORKSHOP", "LEAKPARTICIPANT", "leakparticipant", "LEAKPARTPHONE", "LEAKANSWER",
    "LEAKACCOMMODATION", "LEAKUNPUBLISHEDSUMMARY", "LEAKUNPUBLISHEDNOTE", "LEAKCHECKIN",
)
PUBLISHED = ("PUBLICPLAN", "PUBLICPERIOD", "PUBLICSUMMARY", "PUBLICANSWER", "PUBLICGROUPED", "PUBLICWORKSHOP",
             "PUBLICREPORTSUMMARY", "PUBLICNOTE", "PUBLICOPENPERIOD")


def _registration(workshop_id: int, *, attended: bool, group=None) -> Registration:
    now = utcnow()
    registration = Registration(
        workshop_id=workshop_id, status="confirmed", name="LEAKPARTICIPANT", email="leakparticipant@example.jp",
        phone="LEAKPARTPHONE", answer_1="LEAKANSWER", token_salt=f"s{workshop_id}{attended}",
        token_hash=f"{workshop_id:032d}{int(attended):032d}", checkin_code="LEAKCHECKIN"[:8], confirmed_at=now,
        attended_at=now if attended else None, group=group,
    )
    registration.accommodation = Accommodation(wheelchair=True, note="LEAKACCOMMODATION")
    return registration


@pytest.fixture
def city(app, make_period, make_submission, make_opinion, make_group, staff_pair,  # noqa: F811
         run_jobs):
    """Ids of everything seeded: ``public`` ids must answer, ``hidden`` ids must be 404."""
    author_id, approver_id = staff_pair()
    with app.app_context():
        plan_data = {"department": "まちづくり政策課", "summary": "", "contact": "", "start_year": 2026, "end_year": 2030}
        plan = plans.create_plan({**plan_data, "title": "PUBLICPLAN 第5次計画"}, actor=user(author_id))
        plans.publish_plan(plan, actor=user(author_id))
        hidden_plan = plans.create_plan({**plan_data, "title": "LEAKDRAFTPLAN"}, actor=user(author_id))
        db.session.commit()
        plan_id, hidden_plan_id = plan.id, hidden_plan.id

    # A published result, with secrets in every field around it.
    period_id = make_period(title="PUBLICPERIOD 意見募集", plan_id=plan_id)
    submission_id = make_submission(period_id, "LEAKBODY", name="LEAKNAME", address="LEAKADDRESS",
                                    email="leakmail@example.jp",
                                    phone="LEAKPHONE")
    group_id = make_group(period_id, title="LEAKGROUPTITLE")
    make_opinion(period_id, submission_id=submission_id, summary="PUBLICSUMMARY", excerpt="LEAKEXCERPT")
    make_opinion(period_id, submission_id=submission_id, summary="連絡先 LEAKREDACTED まで", excerpt="x",
                 redactions=[("summary", 4, 16)], section=2)
    make_opinion(period_id, group=group_id, summary="PUBLICGROUPED")
    make_opinion(period_id, group=group_id, summary="同趣旨")
    make_opinion(period_id, state="withheld", withhold_reason="third_party", summary="LEAKWITHHELDSUMMARY",
                 excerpt="LEAKWITHHELDEXCERPT", withhold_note="LEAKWITHHOLDNOTE")
    orphan_id = make_opinion(period_id, summary="後で非公開")
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        orphan = db.session.get(Opinion, orphan_id)
        orphan.tags = [Tag(period_id=period_id, name="LEAKTAG")]
        for target in services.period_targets(period):
            body = "LEAKORPHAN" if target.kind == "opinion" and target.id == orphan_id else "PUBLICANSWER です。"
            response = services.save_response(period, target, body=body, category="A", actor=user(author_id))
            services.submit_response(response, actor=user(author_id))
            services.approve_response(response, actor=user(approver_id))
        orphan.state, orphan.withhold_reason = "withheld", "unrelated"
        results.update_result(period, title="PUBLICPERIOD の結果", draft_published_on=date(2025, 10, 6),
                              full_text_note="全文は窓口で閲覧できます。", introduction="", actor=user(author_id))
        results.publish_result(period, actor=user(approver_id))
        make_opinion(period_id, state="pending", summary="LEAKPENDING")
        late_id = make_opinion(period_id, summary="後から採用")
        db.session.add(Response(period_id=period_id, opinion_id=late_id, body="LEAKDRAFT", category="A",
                                state="draft", return_comment="LEAKRETURN"))
        db.session.commit()
        dispatch()
    run_jobs()

    # Closed, answered, not yet published: a public period whose result is not.
    closed_id = make_period(title="閉じた意見募集", plan_id=plan_id)
    make_opinion(closed_id, summary="LEAKUNPUBLISHEDRESULT")
    open_id = make_period(state="open", title="PUBLICOPENPERIOD 受付中", plan_id=plan_id)
    draft_id = make_period(title="LEAKDRAFTPERIOD", plan_id=plan_id)
    withdrawn_id = make_period(title="LEAKWITHDRAWNPERIOD", plan_id=plan_id)
    hidden_plan_period_id = make_period(title="LEAKHIDDENPLANPERIOD", plan_id=hidden_plan_id)
    with app.test_request_context():
        author, approver = user(author_id), user(approver_id)
        closed = db.session.get(CommentPeriod, closed_id)
        for target in services.period_targets(closed):
            response = services.save_response(closed, target, body="LEAKUNPUBLISHEDANSWER", category="A",
                                              actor=author)
            services.submit_response(response, actor=author)
            services.approve_response(response, actor=approver)
        db.session.add(Result(period_id=closed_id, title="LEAKRESULTTITLE", introduction="LEAKRESULTINTRO",
                              counts={}))
        db.session.get(CommentPeriod, draft_id).status = "draft"
        db.session.get(CommentPeriod, withdrawn_id).status = "withdrawn"
        db.session.commit()

    # Workshops: one with its report published, one held without, one draft, one on the draft plan.
    now = utcnow()
    past = {"starts_at": now - timedelta(days=10), "ends_at": now - timedelta(days=10) + timedelta(hours=2),
            "signup_opens_at": now - timedelta(days=30), "signup_closes_at": now - timedelta(days=11)}
    with app.app_context():
        author = user(author_id)

        def make_workshop(plan, *, publish=True, **data):
            workshop = workshops.create_workshop(db.session.get(Plan, plan), workshop_data(**data), actor=author)
            if publish:
                workshops.publish_workshop(workshop, actor=author)
            db.session.flush()
            return workshop.id

        reported_id = make_workshop(plan_id, title="PUBLICWORKSHOP 市民ワークショップ", **past)
        held_id = make_workshop(plan_id, title="開催済みワークショップ", **past)
        upcoming_id = make_workshop(plan_id, title="これからのワークショップ")
        draft_workshop_id = make_workshop(plan_id, publish=False, title="LEAKDRAFTWORKSHOP")
        # Published, but its plan is not: as hidden as a draft.
        hidden_plan_workshop_id = make_workshop(hidden_plan_id, title="LEAKPLANWORKSHOP")
        for workshop_id, summary, note in ((reported_id, "PUBLICREPORTSUMMARY", "PUBLICNOTE"),
                                           (held_id, "LEAKUNPUBLISHEDSUMMARY", "LEAKUNPUBLISHEDNOTE")):
            workshop = db.session.get(Workshop, workshop_id)
            group = WorkshopGroup(workshop=workshop, name="Aグループ", position=1)
            group.notes = [WorkshopNote(kind="アイデア", text=note, votes=3, client_key=f"k{workshop_id}")]
            db.session.add_all([group, _registration(workshop_id, attended=True, group=group)])
            workshop.summary = summary
        db.session.add(_registration(upcoming_id, attended=False))
        db.session.get(Workshop, reported_id).report_published_at = now - timedelta(days=2)
        db.session.commit()
    return {
        "plan": plan_id, "result": period_id, "open": open_id, "closed": closed_id,
        "public_periods": [period_id, closed_id, open_id],
        "public_workshops": [reported_id, held_id, upcoming_id], "reported": reported_id, "held": held_id,
        "hidden_plans": [hidden_plan_id],
        "hidden_periods": [draft_id, withdrawn_id, hidden_plan_period_id],
        "hidden_workshops": [draft_workshop_id, hidden_plan_workshop_id],
    }
