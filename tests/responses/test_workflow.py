"""The answer's workflow: draft, submitted, approved by someone else, frozen once approved."""

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.moderation.services import public_text
from app.periods.models import CommentPeriod, Section
from app.responses import services
from app.responses.models import DraftChange, Response
from tests.responses.conftest import user


def _period(period_id) -> CommentPeriod:
    return db.session.get(CommentPeriod, period_id)


def _only_target(period_id):
    return services.period_targets(_period(period_id))[0]


def _draft(period_id, author_id, *, body="開館時間の延長を検討します。", category="A") -> Response:
    return services.save_response(_period(period_id), _only_target(period_id), body=body, category=category,
                                  actor=user(author_id))


def _snapshot():
    return (db.session.scalar(select(func.count()).select_from(AuditEntry)),
            [(r.state, r.body, r.category, r.approver_id) for r in db.session.scalars(select(Response))])


def test_draft_submitted_then_approved_by_a_second_staff_member_is_logged(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, approver_id = staff_pair()
    response = _draft(period_id, author_id)
    services.submit_response(response, actor=user(author_id))
    services.approve_response(response, actor=user(approver_id))
    assert response.state == "approved" and response.approver_id == approver_id and response.approved_at
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "Response")).all()
    assert actions == ["response.save", "response.submit", "response.approve"]


def test_author_cannot_approve_their_own_answer(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = staff_pair()
    response = _draft(period_id, author_id)
    services.submit_response(response, actor=user(author_id))
    before = _snapshot()
    with pytest.raises(services.ResponseError) as error:
        services.approve_response(response, actor=user(author_id))
    assert error.value.code == "own_response"
    assert _snapshot() == before


def test_whoever_edits_last_becomes_the_author_and_cannot_approve(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    first_id, second_id = staff_pair()
    _draft(period_id, first_id)
    response = _draft(period_id, second_id, body="別の職員が書き直した市の考え方です。")
    services.submit_response(response, actor=user(second_id))
    with pytest.raises(services.ResponseError, match="own_response"):
        services.approve_response(response, actor=user(second_id))
    services.approve_response(response, actor=user(first_id))
    assert response.state == "approved"


def test_empty_answer_cannot_be_submitted_or_approved(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, approver_id = staff_pair()
    response = _draft(period_id, author_id, body="   ")
    with pytest.raises(services.ResponseError, match="empty_response"):
        services.submit_response(response, actor=user(author_id))
    # Even if the row were made to look submitted, approval checks the text itself.
    response.state = "submitted"
    db.session.flush()
    before = _snapshot()
    with pytest.raises(services.ResponseError, match="empty_response"):
        services.approve_response(response, actor=user(approver_id))
    assert _snapshot() == before


def test_unknown_reflection_category_is_refused(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = staff_pair()
    with pytest.raises(services.ResponseError, match="unknown_category"):
        _draft(period_id, author_id, category="Z")
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_draft_without_category_cannot_be_submitted(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = staff_pair()
    response = _draft(period_id, author_id, category="")
    with pytest.raises(services.ResponseError, match="no_category"):
        services.submit_response(response, actor=user(author_id))
    assert response.state == "draft"


def test_changing_approved_text_returns_it_to_draft(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, approver_id = staff_pair()
    response = _draft(period_id, author_id)
    services.submit_response(response, actor=user(author_id))
    services.approve_response(response, actor=user(approver_id))
    services.save_response(_period(period_id), _only_target(period_id), body="承認後に直した文章です。", category="A",
                           actor=user(approver_id))
    assert response.state == "draft" and response.approver_id is None and response.approved_at is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "response.reopen")).details == {
        "from": "approved"}


def test_saving_the_same_text_keeps_the_approval(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, approver_id = staff_pair()
    response = _draft(period_id, author_id)
    services.submit_response(response, actor=user(author_id))
    services.approve_response(response, actor=user(approver_id))
    _draft(period_id, approver_id)
    assert response.state == "approved"


def test_returned_answer_goes_back_to_draft_with_the_comment(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, approver_id = staff_pair()
    response = _draft(period_id, author_id)
    services.submit_response(response, actor=user(author_id))
    with pytest.raises(services.ResponseError, match="comment_required"):
        services.return_response(response, comment=" ", actor=user(approver_id))
    services.return_response(response, comment="根拠となる条例名を書いてください。", actor=user(approver_id))
    assert response.state == "draft" and response.return_comment == "根拠となる条例名を書いてください。"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "response.return"))
    assert entry.reason == "根拠となる条例名を書いてください。" and entry.actor_id == approver_id


def test_approving_needs_a_submitted_answer(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, approver_id = staff_pair()
    response = _draft(period_id, author_id)
    with pytest.raises(services.ResponseError, match="not_submitted"):
        services.approve_response(response, actor=user(approver_id))


def test_staff_of_another_department_cannot_approve(ctx, make_period, make_opinion, staff_pair, make_user):
    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = staff_pair()
    outsider_id = make_user("staff", department="財政課")
    response = _draft(period_id, author_id)
    services.submit_response(response, actor=user(author_id))
    with pytest.raises(services.ResponseError, match="not_allowed"):
        services.approve_response(response, actor=user(outsider_id))
    assert response.state == "submitted"


def test_change_must_name_a_section_of_the_same_period(ctx, make_period, make_opinion, staff_pair):
    period_id, other_id = make_period(), make_period(title="別の案")
    make_opinion(period_id)
    author_id, _ = staff_pair()
    response = _draft(period_id, author_id)
    foreign = db.session.scalar(select(Section.id).where(Section.period_id == other_id))
    with pytest.raises(services.ResponseError, match="section_other_period"):
        services.add_change(response, section_id=foreign, before="前", after="後", actor=user(author_id))
    assert db.session.scalar(select(func.count()).select_from(DraftChange)) == 0
    own = db.session.scalar(select(Section.id).where(Section.period_id == period_id))
    change = services.add_change(response, section_id=own, before="5年間", after="5年間（毎年見直し）",
                                 actor=user(author_id))
    assert change.section.period_id == period_id


def test_adding_a_change_to_an_approved_answer_needs_approval_again(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, approver_id = staff_pair()
    response = _draft(period_id, author_id)
    services.submit_response(response, actor=user(author_id))
    services.approve_response(response, actor=user(approver_id))
    services.add_change(response, section_id=None, before="", after="追記", actor=user(approver_id))
    assert response.state == "draft" and response.author_id == approver_id


def test_one_answer_serves_a_whole_group(ctx, make_period, make_opinion, make_group, staff_pair):
    period_id = make_period()
    group_id = make_group(period_id)
    for _ in range(3):
        make_opinion(period_id, group=group_id)
    make_opinion(period_id, group=group_id, state="withheld", withhold_reason="duplicate")
    make_opinion(period_id, section=2)
    targets = services.period_targets(_period(period_id))
    assert [(t.kind, len(t.opinions)) for t in targets] == [("group", 3), ("opinion", 1)]
    author_id, _ = staff_pair()
    response = services.save_response(_period(period_id), targets[0], body="まとめて回答します。", category="B",
                                       actor=user(author_id))
    assert response.group_id == group_id and response.opinion_id is None


def test_copying_an_answer_starts_a_draft_from_it(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    make_opinion(period_id, section=2, excerpt="別の意見です。")
    author_id, other_id = staff_pair()
    first, second = services.period_targets(_period(period_id))
    source = services.save_response(_period(period_id), first, body="共通の考え方です。", category="D",
                                    actor=user(author_id))
    copy = services.copy_response(_period(period_id), second, source, actor=user(other_id))
    assert (copy.body, copy.category, copy.state, copy.author_id) == ("共通の考え方です。", "D", "draft", other_id)
    assert copy.id != source.id


def test_answers_are_frozen_once_the_result_is_published(ctx, make_period, make_opinion, staff_pair):
    from app.core.timeutil import utcnow

    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = staff_pair()
    _period(period_id).results_published_at = utcnow()
    with pytest.raises(services.ResponseError, match="result_published"):
        _draft(period_id, author_id)


def test_public_text_prefers_the_summary_and_masks_redactions_from_the_end(ctx, make_period, make_opinion):
    from app.moderation.models import Opinion

    period_id = make_period()
    opinion_id = make_opinion(period_id, excerpt="山田花子さんの電話090-1111-2222に連絡", summary="",
                              redactions=[("excerpt", 0, 6), ("excerpt", 9, 22), ("summary", 0, 2)])
    assert public_text(db.session.get(Opinion, opinion_id)) == "■■■の電話■■■に連絡"
    summarised = make_opinion(period_id, excerpt="原文", summary="佐藤さんが会館を増やしてと言う",
                              redactions=[("summary", 0, 4), ("excerpt", 0, 2)])
    assert public_text(db.session.get(Opinion, summarised)) == "■■■が会館を増やしてと言う"


def test_progress_counts_by_state_section_and_category(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id, section=1)
    make_opinion(period_id, section=1)
    make_opinion(period_id, section=None)
    author_id, _ = staff_pair()
    first = services.period_targets(_period(period_id))[0]
    services.save_response(_period(period_id), first, body="回答", category="A", actor=user(author_id))
    progress = services.progress(services.period_targets(_period(period_id)))
    assert progress.total == 3 and progress.by_status == {"none": 2, "draft": 1, "submitted": 0, "approved": 0}
    assert [(s.position if s else None, c["none"]) for s, c in progress.by_section] == [(1, 1), (None, 1)]
    assert progress.by_category == {"A": 1}


def test_categories_in_use_cannot_be_removed(ctx, make_period, make_opinion, staff_pair, make_user):
    from app.core.settings import get_setting

    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = staff_pair()
    admin = user(make_user("admin"))
    _draft(period_id, author_id, category="A")
    with pytest.raises(services.ResponseError, match="category_in_use"):
        services.set_categories([("B", "既に盛り込み済み", "")], actor=admin)
    with pytest.raises(services.ResponseError, match="duplicate_category_code"):
        services.set_categories([("A", "反映", ""), ("A", "反映2", "")], actor=admin)
    services.set_categories([("A", "反映します", "Reflected"), ("F", "国・県の所管", "")], actor=admin)
    assert get_setting("response.categories") == [["A", "反映します", "Reflected"], ["F", "国・県の所管", ""]]
