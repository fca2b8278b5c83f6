"""Splitting submissions into opinions and deciding on them: the rules, refusals changing nothing."""

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.moderation import services
from app.moderation.models import Opinion, Tag
from app.moderation.services import ModerationError
from app.moderation.services.stats import period_counts
from app.periods.models import CommentPeriod
from app.submissions.models import Submission
from tests.moderation.conftest import get, user


def audit_actions(obj_type, obj_id):
    return list(db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == obj_type, AuditEntry.object_id == str(obj_id))
        .order_by(AuditEntry.id)))


def opinion_count():
    return db.session.scalar(select(func.count()).select_from(Opinion))


def test_an_opinion_carries_excerpt_section_summary_and_tags(ctx, make_period, make_submission, make_tag, moderator):
    period_id = make_period()
    tag_id = make_tag(period_id)
    sub_id = make_submission(period_id, "ふくふくサポートの開館時間を夜9時まで延ばしてほしい。土日も開けてほしい。")
    mod = user(moderator())
    section = get(CommentPeriod, period_id).sections[1]
    opinion = services.create_opinion(get(Submission, sub_id), mod, excerpt="土日も開けてほしい。",
                                      summary="土日の開館を求める意見", section_id=section.id, tag_ids=[tag_id])
    db.session.commit()
    assert opinion.state == "pending" and opinion.section_id == section.id
    assert [t.name for t in opinion.tags] == ["市民活動センター"]
    submission = get(Submission, sub_id)
    assert submission.state == "in_progress" and submission.claimed_by_id == mod.id
    assert audit_actions("Opinion", opinion.id) == ["opinion.create"]


def test_excerpt_matches_across_width_and_line_breaks(ctx, make_period, make_submission, moderator):
    period_id = make_period()
    sub_id = make_submission(period_id, "ＮＰＯへの補助金を\n増やしてください。")
    opinion = services.create_opinion(get(Submission, sub_id), user(moderator()), excerpt="NPOへの補助金を 増やして")
    assert opinion.entry_id == get(Submission, sub_id).entries[0].id


@pytest.mark.parametrize("field", ["excerpt", "section", "tag", "entry"])
def test_bad_excerpt_section_tag_or_entry_is_refused_and_changes_nothing(ctx, make_period, make_submission,
                                                                         make_tag, moderator, field):
    period_id, other_period_id = make_period(), make_period("別の意見募集")
    sub_id = make_submission(period_id, "公民館の予約をネットでできるようにしてほしい。")
    other_sub_id = make_submission(other_period_id, "別の提出です。")
    kwargs = {"excerpt": "公民館の予約"}
    expected = {"excerpt": "excerpt_not_found", "section": "section_other_period", "tag": "tag_other_period",
                "entry": "entry_other_submission"}[field]
    if field == "excerpt":
        kwargs["excerpt"] = "図書館の本を増やして"
    elif field == "section":
        kwargs["section_id"] = get(CommentPeriod, other_period_id).sections[0].id
    elif field == "tag":
        kwargs["tag_ids"] = [make_tag(other_period_id, "他の期間のタグ")]
    else:
        kwargs["entry_id"] = get(Submission, other_sub_id).entries[0].id
    with pytest.raises(ModerationError) as error:
        services.create_opinion(get(Submission, sub_id), user(moderator()), **kwargs)
    assert error.value.code == expected
    assert opinion_count() == 0
    submission = get(Submission, sub_id)
    assert submission.state == "new" and submission.claimed_by_id is None


def test_split_by_entries_counts_submitters_and_opinions_apart(ctx, make_period, make_submission, moderator):
    period_id = make_period()
    make_submission(period_id, "意見その一です。", "意見その二です。", section_index=0)
    sub_id = make_submission(period_id, "意見その三です。")
    mod = user(moderator())
    for submission in db.session.scalars(select(Submission).where(Submission.period_id == period_id)):
        services.split_by_entries(submission, mod)
    counts = period_counts([period_id])[period_id]
    assert counts["submitters"] == 2 and counts["opinion_total"] == 3
    assert counts["opinions"]["pending"] == 3
    with pytest.raises(ModerationError, match="nothing_to_split"):
        services.split_by_entries(get(Submission, sub_id), mod)


def test_working_a_submission_claimed_by_another_is_refused(ctx, make_period, make_submission, moderator):
    period_id = make_period()
    sub_id = make_submission(period_id, "駐車場を増やしてほしい。")
    first, second = user(moderator("一番")), user(moderator("二番"))
    services.claim_submission(get(Submission, sub_id), first)
    db.session.commit()
    with pytest.raises(ModerationError) as error:
        services.create_opinion(get(Submission, sub_id), second, excerpt="駐車場を増やしてほしい。")
    assert error.value.code == "claimed_by_other" and error.value.params["name"] == "一番"
    with pytest.raises(ModerationError, match="claimed_by_other"):
        services.claim_submission(get(Submission, sub_id), second)
    assert opinion_count() == 0
    assert get(Submission, sub_id).claimed_by_id == first.id


def test_releasing_another_moderators_claim_needs_a_reason(ctx, make_period, make_submission, moderator):
    period_id = make_period()
    sub_id = make_submission(period_id)
    first, second = user(moderator()), user(moderator())
    services.claim_submission(get(Submission, sub_id), first)
    with pytest.raises(ModerationError, match="reason_required"):
        services.release_submission(get(Submission, sub_id), second)
    services.release_submission(get(Submission, sub_id), second, "担当者が休暇のため")
    submission = get(Submission, sub_id)
    assert submission.claimed_by_id is None and submission.state == "new"
    assert audit_actions("Submission", sub_id) == ["submission.claim", "submission.release"]


def test_a_submission_is_done_only_when_every_opinion_is_decided(ctx, make_period, make_submission, moderator):
    period_id = make_period()
    sub_id = make_submission(period_id, "一つ目の意見です。", "二つ目の意見です。")
    mod = user(moderator())
    with pytest.raises(ModerationError, match="no_opinions"):
        services.complete_submission(get(Submission, sub_id), mod)
    first, second = services.split_by_entries(get(Submission, sub_id), mod)
    services.decide_opinion(first, mod, decision="accepted")
    with pytest.raises(ModerationError) as error:
        services.complete_submission(get(Submission, sub_id), mod)
    assert error.value.code == "opinions_pending" and error.value.params["n"] == 1
    services.decide_opinion(second, mod, decision="withheld", withhold_reason="unrelated")
    services.complete_submission(get(Submission, sub_id), mod)
    submission = get(Submission, sub_id)
    assert submission.state == "done" and submission.claimed_by_id is None
    with pytest.raises(ModerationError, match="submission_done"):
        services.create_opinion(submission, mod, excerpt="一つ目")
    with pytest.raises(ModerationError, match="reason_required"):
        services.reopen_submission(submission, mod, "")
    services.reopen_submission(submission, mod, "分け方を見直すため")
    assert submission.state == "in_progress" and submission.claimed_by_id == mod.id


@pytest.mark.parametrize(("reason", "note", "code"), [("", "", "withhold_reason_required"),
                                                      ("spam", "", "withhold_reason_required"),
                                                      ("other", "", "note_required")])
def test_withholding_needs_a_known_reason_code(ctx, make_period, make_submission, make_opinion, moderator,
                                              reason, note, code):
    period_id = make_period()
    opinion_id = make_opinion(make_submission(period_id))
    with pytest.raises(ModerationError) as error:
        services.decide_opinion(get(Opinion, opinion_id), user(moderator()), decision="withheld",
                                withhold_reason=reason, note=note)
    assert error.value.code == code
    assert get(Opinion, opinion_id).state == "pending"


def test_withheld_opinion_is_kept_counted_and_its_reason_recorded(ctx, make_period, make_submission,
                                                                 make_opinion, moderator):
    period_id = make_period()
    opinion_id = make_opinion(make_submission(period_id, "格安リフォーム、今なら20%割引！"))
    mod = user(moderator())
    services.decide_opinion(get(Opinion, opinion_id), mod, decision="withheld", withhold_reason="advertising")
    opinion = get(Opinion, opinion_id)
    assert (opinion.state, opinion.withhold_reason, opinion.decided_by_id) == ("withheld", "advertising", mod.id)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "opinion.withhold")).one()
    assert entry.reason == "advertising" and entry.details["from"] == "pending"


def test_reversal_by_another_moderator_needs_a_reason_and_is_in_the_history(ctx, make_period, make_submission,
                                                                            make_opinion, moderator):
    period_id = make_period()
    sub_id = make_submission(period_id)
    opinion_id = make_opinion(sub_id)
    first, second = user(moderator()), user(moderator())
    services.decide_opinion(get(Opinion, opinion_id), first, decision="withheld", withhold_reason="unrelated")
    services.complete_submission(get(Submission, sub_id), first)
    with pytest.raises(ModerationError, match="own_decision"):
        services.decide_opinion(get(Opinion, opinion_id), first, decision="accepted", reason="考え直した")
    with pytest.raises(ModerationError, match="reversal_reason_required"):
        services.decide_opinion(get(Opinion, opinion_id), second, decision="accepted")
    assert get(Opinion, opinion_id).state == "withheld"
    services.decide_opinion(get(Opinion, opinion_id), second, decision="accepted",
                            reason="計画の趣旨に関わる意見のため")
    opinion = get(Opinion, opinion_id)
    assert opinion.state == "accepted" and opinion.withhold_reason == "" and opinion.decided_by_id == second.id
    assert audit_actions("Opinion", opinion_id) == ["opinion.withhold", "opinion.reverse"]
    reverse = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "opinion.reverse")).one()
    assert reverse.reason == "計画の趣旨に関わる意見のため" and reverse.details["previous_decider_id"] == first.id


def test_decider_may_correct_own_decision_while_working(ctx, make_period, make_submission, make_opinion, moderator):
    period_id = make_period()
    opinion_id = make_opinion(make_submission(period_id))
    mod = user(moderator())
    services.decide_opinion(get(Opinion, opinion_id), mod, decision="accepted")
    services.decide_opinion(get(Opinion, opinion_id), mod, decision="withheld", withhold_reason="duplicate")
    assert get(Opinion, opinion_id).state == "withheld"


def test_acting_after_results_are_published_is_refused(ctx, make_period, make_submission, make_opinion, make_tag,
                                                      moderator):
    period_id = make_period(published=True)
    sub_id = make_submission(period_id)
    opinion_id = make_opinion(sub_id)
    mod = user(moderator())
    attempts = [
        lambda: services.claim_submission(get(Submission, sub_id), mod),
        lambda: services.create_opinion(get(Submission, sub_id), mod, excerpt="開館時間"),
        lambda: services.decide_opinion(get(Opinion, opinion_id), mod, decision="accepted"),
        lambda: services.add_redaction(get(Opinion, opinion_id), mod, start=0, end=2, reason="private_person"),
        lambda: services.update_opinion(get(Opinion, opinion_id), mod, excerpt=get(Opinion, opinion_id).excerpt,
                                        summary="新しい概要", section_id=None),
    ]
    for attempt in attempts:
        with pytest.raises(ModerationError, match="published"):
            attempt()
    assert get(Opinion, opinion_id).state == "pending" and get(Submission, sub_id).claimed_by_id is None


def test_a_user_without_the_moderator_role_is_refused_by_services(ctx, make_period, make_submission, make_user):
    period_id = make_period()
    sub_id = make_submission(period_id)
    staff = user(make_user("staff", "facilitator"))
    with pytest.raises(ModerationError, match="forbidden"):
        services.claim_submission(get(Submission, sub_id), staff)
    with pytest.raises(ModerationError, match="forbidden"):
        services.create_opinion(get(Submission, sub_id), staff, excerpt="開館時間")


def test_deleting_an_opinion_only_undoes_an_undecided_split(ctx, make_period, make_submission, moderator):
    period_id = make_period()
    sub_id = make_submission(period_id, "一つ目。", "二つ目。")
    mod = user(moderator())
    first, second = services.split_by_entries(get(Submission, sub_id), mod)
    services.decide_opinion(second, mod, decision="accepted")
    with pytest.raises(ModerationError, match="cannot_delete"):
        services.delete_opinion(second, mod)
    services.delete_opinion(first, mod, "分け方の誤り")
    assert opinion_count() == 1
    assert "opinion.delete" in audit_actions("Opinion", first.id)


def test_staff_of_the_department_manage_the_tag_list(ctx, make_period, make_user):
    period = get(CommentPeriod, make_period(department="まちづくり政策課"))
    staff = user(make_user("staff", department="まちづくり政策課"))
    outsider = user(make_user("staff", department="観光政策課"))
    mod = user(make_user("moderator"))
    tag = services.create_tag(period, staff, "  ＮＰＯ  ")
    assert tag.name == "NPO"
    for actor in (outsider, mod):
        with pytest.raises(ModerationError, match="forbidden"):
            services.create_tag(period, actor, "協働")
    with pytest.raises(ModerationError, match="tag_exists"):
        services.create_tag(period, staff, "npo")
    with pytest.raises(ModerationError, match="tag_name_required"):
        services.create_tag(period, staff, "   ")
    services.rename_tag(tag, staff, "NPO・市民活動団体")
    assert services.delete_tag(tag, staff) == 0
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 0


def test_an_opinion_the_city_began_to_answer_cannot_be_withheld(ctx, make_period, make_submission, moderator):
    """Moderation asks the responses feature (signals.answer_exists) whether an answer holds it."""
    from app.responses.models import Response

    period_id = make_period()
    mod = user(moderator())
    opinion, = services.split_by_entries(get(Submission, make_submission(period_id, "開館時間を延ばしてほしい。")), mod)
    services.decide_opinion(opinion, mod, decision="accepted")
    db.session.add(Response(period_id=period_id, opinion_id=opinion.id, body="検討します。", category="C",
                            state="draft"))
    db.session.flush()
    with pytest.raises(ModerationError, match="has_response"):
        services.decide_opinion(opinion, mod, decision="withheld", withhold_reason="unrelated", reason="再検討")
    assert get(Opinion, opinion.id).state == "accepted"
