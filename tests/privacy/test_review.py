"""Screening and review rules: who reviews a finding, what a note must say, which decisions survive an
edit, answers written by staff, texts never screened, and the retention purge."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.core.retention import purge_personal_data
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation import services as moderation
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.privacy import services
from app.privacy.models import PersonalFinding, TextScreening
from app.responses import checks
from app.responses import services as responses
from app.responses.models import Response
from app.submissions.models import Submission
from tests.conftest import csrf_token
from tests.factories import user
from tests.privacy.flow import client_for, close_and_describe, findings_of, post, publish
from tests.responses.conftest import _export_folder, make_opinion, make_period  # noqa: F401  (closed periods, accepted opinions)

PHONE, EMAIL = "090-1234-5678", "taro@example.jp"


def _codes(period_id) -> dict[str, int]:
    return {p.code: p.count for p in checks.publication_problems(db.session.get(CommentPeriod, period_id))}


def _screened_opinion(app, make_opinion, period_id, text, **extra) -> int:  # noqa: F811
    opinion_id = make_opinion(period_id, excerpt=text, **extra)
    with app.app_context():
        services.screen_opinion(db.session.get(Opinion, opinion_id))
        db.session.commit()
    return opinion_id


def _answer(app, period_id, author_id, approver_id, body):
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        for target in responses.period_targets(period):
            response = responses.save_response(period, target, body=body, category="C", actor=user(author_id))
            responses.submit_response(response, actor=user(author_id))
            responses.approve_response(response, actor=user(approver_id))
        db.session.commit()
        return response.id


def test_findings_in_opinions_are_reviewed_by_moderators_and_admins_only(
        app, client, make_user, make_period, make_opinion):  # noqa: F811
    period_id = make_period()
    opinion_id = _screened_opinion(app, make_opinion, period_id, f"連絡は{PHONE}までお願いします。")
    (finding_id, _, _), = findings_of(app, period_id)
    url = f"/staff/findings/{finding_id}/not-personal"
    nobody = post(client, url, {"note": "x"}, "/login")
    assert nobody.status_code == 302 and "/login" in nobody.headers["Location"]
    for roles in (("citizen",), ("staff",), ("facilitator",)):
        other, _ = client_for(app, make_user, *roles)
        assert post(other, url, {"note": "市の代表番号です。"}, "/").status_code == 403, roles
    assert findings_of(app, period_id, "unreviewed") == [(finding_id, "phone", PHONE)]
    for roles in (("moderator",), ("admin",)):
        reviewer, _ = client_for(app, make_user, *roles)
        assert reviewer.get(f"/moderation/opinions/{opinion_id}").status_code == 200
    moderator, _ = client_for(app, make_user, "moderator")
    assert post(moderator, url, {"note": "市の代表番号です。"}, f"/moderation/opinions/{opinion_id}").status_code == 303
    with app.app_context():
        finding = db.session.get(PersonalFinding, finding_id)
        assert (finding.state, finding.note) == ("not_personal", "市の代表番号です。")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.not_personal"))
        assert entry.reason == "市の代表番号です。" and PHONE not in str(entry.details)


def test_findings_in_answers_are_reviewed_by_the_departments_staff(
        app, make_user, make_period, make_opinion, staff_pair):  # noqa: F811
    period_id = make_period()
    make_opinion(period_id)
    author_id, approver_id = staff_pair()
    response_id = _answer(app, period_id, author_id, approver_id, f"詳しくは担当の{EMAIL}までお問い合わせください。")
    (finding_id, kind, _), = findings_of(app, period_id)
    assert kind == "email"
    url = f"/staff/findings/{finding_id}/redact"
    for roles, department in ((("moderator",), ""), (("staff",), "財政課")):
        other, _ = client_for(app, make_user, *roles, department=department)
        assert post(other, url, {}, "/").status_code == 403
    staff, _ = client_for(app, make_user, "staff")
    with app.app_context():
        opinion_id = db.session.get(Response, response_id).opinion_id
    page = f"/staff/periods/{period_id}/responses/opinion/{opinion_id}"
    assert "［メールアドレス］" in staff.get(page).get_data(as_text=True)
    assert post(staff, url, {}, page).status_code == 303
    with app.app_context():
        response = db.session.get(Response, response_id)
        # Approval covered the words that were there: the changed answer is a draft again.
        assert response.body == "詳しくは担当の■■■までお問い合わせください。" and response.state == "draft"
    assert findings_of(app, period_id) == []


def test_a_note_is_required_to_say_a_finding_is_not_personal_and_nothing_changes_without_one(
        app, make_user, make_period, make_opinion):  # noqa: F811
    period_id = make_period()
    opinion_id = _screened_opinion(app, make_opinion, period_id, f"連絡は{PHONE}までお願いします。")
    (finding_id, _, _), = findings_of(app, period_id)
    moderator, _ = client_for(app, make_user, "moderator")
    page = f"/moderation/opinions/{opinion_id}"
    with app.app_context():
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    for lang, words in (("ja", "個人情報でない理由をメモに書いてください"), ("en", "Say in the note why this is not personal data")):
        moderator.get(f"/language?lang={lang}")
        response = post(moderator, f"/staff/findings/{finding_id}/not-personal", {"note": "   "}, page)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and words in html
        assert f'id="finding-note-{finding_id}-error"' in html and 'aria-invalid="true"' in html
    with app.app_context():
        finding = db.session.get(PersonalFinding, finding_id)
        assert (finding.state, finding.note, finding.reviewed_by_id) == ("unreviewed", "", None)
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_screening_again_after_an_edit_keeps_decisions_that_still_apply(
        app, make_user, make_period, make_submission):  # noqa: F811
    period_id = make_period()
    submission_id = make_submission(period_id, f"電話{PHONE}。センターを夜も開けてほしい。")
    moderator_id = make_user("moderator")
    with app.test_request_context():
        moderator = user(moderator_id)
        opinion = moderation.create_opinion(db.session.get(Submission, submission_id), moderator,
                                            excerpt=f"電話{PHONE}。センターを夜も開けてほしい。")
        (phone,) = services.findings_of(opinion=opinion)
        services.clear_finding(phone, moderator, "市の窓口の番号")
        moderation.update_opinion(opinion, moderator, excerpt=opinion.excerpt, section_id=None,
                                  summary=f"センターの夜間開館を求める。{EMAIL}または{PHONE}")
        found = {f.kind: f for f in services.findings_of(opinion=opinion)}
        # The same words judged not personal stay so in the new text; the new address waits for review.
        assert found["phone"].state == "not_personal" and found["phone"].note == "市の窓口の番号"
        assert found["email"].state == "unreviewed"
        services.redact_finding(found["email"], moderator)
        assert found["email"].state == "redacted"
        assert moderation.public_text(opinion) == f"センターの夜間開館を求める。■■■または{PHONE}"
        moderation.remove_redaction(opinion.redactions[0], moderator, "誤って伏せた")
        # Unhidden again: the finding is back to be reviewed.
        assert {f.kind: f.state for f in services.findings_of(opinion=opinion)}["email"] == "unreviewed"


def test_text_never_screened_stops_publication_until_screened_and_reviewed(
        app, make_user, make_period, make_opinion, staff_pair):  # noqa: F811
    period_id = make_period()
    make_opinion(period_id, excerpt=f"連絡先は{PHONE}です。")  # written before screening existed
    make_opinion(period_id, excerpt="センターを夜も開けてほしい。")
    author_id, approver_id = staff_pair()
    _answer(app, period_id, author_id, approver_id, "ご意見ありがとうございます。")
    close_and_describe(app, period_id, author_id)
    with app.app_context():
        assert _codes(period_id) == {"personal_data_unscreened": 1}
    staff, _ = client_for(app, make_user, "staff")
    review = f"/staff/periods/{period_id}/personal-data"
    assert "今すぐ検査する" in staff.get(review).get_data(as_text=True)
    assert post(staff, f"{review}/screen", {}, review).status_code == 303
    with app.app_context():
        assert _codes(period_id) == {"personal_data_unreviewed": 1}
    assert PHONE in staff.get(review).get_data(as_text=True)
    assert publish(staff, period_id).status_code == 303
    with app.app_context():
        assert db.session.get(CommentPeriod, period_id).results_published_at is None


def test_retention_purge_deletes_the_found_words_with_the_submitters_details(
        app, make_period, make_opinion):  # noqa: F811
    period_id = make_period()
    _screened_opinion(app, make_opinion, period_id, f"連絡は{PHONE}までお願いします。")
    kept = make_period()
    _screened_opinion(app, make_opinion, kept, f"連絡は{EMAIL}までお願いします。")
    with app.app_context():
        db.session.get(CommentPeriod, period_id).results_published_at = utcnow() - timedelta(days=400)
        counts = purge_personal_data()
        db.session.commit()
        assert counts["personal data findings"] == 1
        assert db.session.scalar(select(func.count()).select_from(TextScreening)
                                 .where(TextScreening.period_id == period_id)) == 0
    assert findings_of(app, period_id) == [] and [kind for _, kind, _ in findings_of(app, kept)] == ["email"]
    with app.app_context():
        assert purge_personal_data()["personal data findings"] == 0


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_queue_counts_unreviewed_findings_per_submission(app, make_user, make_period, make_opinion, lang):  # noqa: F811
    period_id = make_period()
    _screened_opinion(app, make_opinion, period_id, f"電話{PHONE}、メール{EMAIL}")
    moderator, _ = client_for(app, make_user, "moderator")
    moderator.get(f"/language?lang={lang}")
    html = moderator.get(f"/moderation/queue?period={period_id}").get_data(as_text=True)
    assert ("未確認の個人情報" if lang == "ja" else "Personal data to review") in html
    assert "<strong>2</strong>" in html
    assert csrf_token(moderator, f"/moderation/queue?period={period_id}")


def test_hiding_words_in_a_submission_another_moderator_works_on_is_refused_in_words(
        app, make_user, make_period, make_submission):  # noqa: F811
    period_id = make_period()
    submission_id = make_submission(period_id, f"電話{PHONE}。センターを夜も開けてほしい。")
    first_id = make_user("moderator", name="審査 一郎")
    with app.test_request_context():
        opinion = moderation.create_opinion(db.session.get(Submission, submission_id), user(first_id),
                                            excerpt=f"電話{PHONE}。センターを夜も開けてほしい。")
        db.session.commit()
        opinion_id = opinion.id
    (finding_id, _, _), = findings_of(app, period_id)
    second, _ = client_for(app, make_user, "moderator")
    response = post(second, f"/staff/findings/{finding_id}/redact", {}, f"/moderation/opinions/{opinion_id}")
    assert response.status_code == 400 and "審査 一郎" in response.get_data(as_text=True)
    assert findings_of(app, period_id, "unreviewed") == [(finding_id, "phone", PHONE)]
