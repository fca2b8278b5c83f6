"""Redaction, groups and bulk actions."""

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry
from app.extensions import db
from app.moderation import services
from app.moderation.models import Opinion, OpinionGroup
from app.moderation.services import MARK, ModerationError
from app.responses.models import Response
from app.submissions.models import Submission
from tests.moderation.conftest import get, user

NAMED = "自治会長の田中一郎さんが会議で怒鳴るので参加しにくい。田中一郎さんには困っています。"


def test_public_text_is_the_summary_or_else_the_excerpt_with_redactions_marked(ctx, make_period, make_submission,
                                                                              make_opinion, moderator):
    opinion_id = make_opinion(submission_id=make_submission(make_period(), NAMED))
    mod = user(moderator())
    opinion = get(Opinion, opinion_id)
    assert services.public_text(opinion) == NAMED
    added = services.redact_phrase(opinion, mod, phrase="田中一郎", reason="private_person")
    assert len(added) == 2 and {r.field for r in added} == {"excerpt"}
    assert services.public_text(opinion) == NAMED.replace("田中一郎", MARK)
    assert opinion.excerpt == NAMED  # the original stays for staff
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "opinion.redact")).first()
    assert entry.actor_id == mod.id and entry.details["reason_code"] == "private_person"
    assert "田中" not in str(entry.details)  # the hidden words are not copied into the log


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (8, 4), (0, 10_000)])
def test_redaction_span_out_of_range_is_refused(ctx, make_period, make_submission, make_opinion, moderator,
                                               start, end):
    opinion_id = make_opinion(submission_id=make_submission(make_period(), NAMED))
    with pytest.raises(ModerationError) as error:
        services.add_redaction(get(Opinion, opinion_id), user(moderator()), start=start, end=end,
                               reason="private_person")
    assert error.value.code == "span_out_of_range" and error.value.params["length"] == len(NAMED)
    assert get(Opinion, opinion_id).redactions == []


def test_overlapping_redaction_and_missing_reason_are_refused(ctx, make_period, make_submission, make_opinion,
                                                             moderator):
    opinion = get(Opinion, make_opinion(submission_id=make_submission(make_period(), NAMED)))
    mod = user(moderator())
    services.add_redaction(opinion, mod, start=6, end=10, reason="private_person")
    with pytest.raises(ModerationError, match="span_overlaps"):
        services.add_redaction(opinion, mod, start=8, end=12, reason="private_person")
    with pytest.raises(ModerationError, match="redaction_reason_required"):
        services.add_redaction(opinion, mod, start=0, end=2, reason="")
    with pytest.raises(ModerationError, match="note_required"):
        services.add_redaction(opinion, mod, start=0, end=2, reason="other")
    assert len(opinion.redactions) == 1


def test_redactions_follow_their_words_when_the_summary_is_edited(ctx, make_period, make_submission, make_opinion,
                                                                 moderator):
    opinion = get(Opinion, make_opinion(submission_id=make_submission(make_period(), NAMED)))
    mod = user(moderator())
    services.redact_phrase(opinion, mod, phrase="田中一郎", reason="private_person")
    # A summary that repeats the name hides it too: words hidden in the excerpt stay hidden.
    services.update_opinion(opinion, mod, excerpt=opinion.excerpt, summary="田中一郎さんの言動で会議に参加しにくい。",
                            section_id=None)
    assert services.public_text(opinion) == f"{MARK}さんの言動で会議に参加しにくい。"
    services.redact_phrase(opinion, mod, phrase="会議", reason="other", note="会議名が特定につながるため")
    # Editing text before the spans moves them with their words.
    services.update_opinion(opinion, mod, excerpt=opinion.excerpt, summary="自治会の田中一郎さんの言動で会議に参加しにくい。",
                            section_id=None)
    assert services.public_text(opinion) == f"自治会の{MARK}さんの言動で{MARK}に参加しにくい。"
    # A summary without the words keeps none of the summary's spans; the excerpt keeps its own.
    counts = services.update_opinion(opinion, mod, excerpt=opinion.excerpt, summary="役員の言動で参加しにくい。",
                                     section_id=None)
    assert counts["dropped"] == 2
    assert services.public_text(opinion) == "役員の言動で参加しにくい。"
    services.update_opinion(opinion, mod, excerpt=opinion.excerpt, summary="", section_id=None)
    assert services.public_text(opinion) == NAMED.replace("田中一郎", MARK)


def test_group_similar_opinions_and_ungroup_until_a_response_is_approved(ctx, make_period, make_submission,
                                                                        make_opinion, moderator):
    period_id = make_period()
    first = make_opinion(submission_id=make_submission(period_id, "センターの開館時間を延ばしてほしい。"))
    second = make_opinion(submission_id=make_submission(period_id, "センターを夜遅くまで開けてほしい。"))
    mod = user(moderator())
    group = services.group_opinions([get(Opinion, first), get(Opinion, second)], mod, title="開館時間の延長")
    assert [o.id for o in group.opinions] == [first, second]
    third = make_opinion(submission_id=make_submission(period_id, "開館時間の延長を望みます。"))
    assert services.group_opinions([get(Opinion, third), get(Opinion, first)], mod) == group
    assert len(group.opinions) == 3
    services.remove_from_group(get(Opinion, third), mod, "趣旨が異なる")
    response = Response(period_id=period_id, group_id=group.id, body="延長を検討します。", state="approved")
    db.session.add(response)
    db.session.flush()
    with pytest.raises(ModerationError, match="response_approved"):
        services.remove_from_group(get(Opinion, first), mod)
    with pytest.raises(ModerationError, match="response_approved"):
        services.dissolve_group(group, mod)
    with pytest.raises(ModerationError, match="response_approved"):
        services.group_opinions([get(Opinion, third), get(Opinion, first)], mod)
    assert len(group.opinions) == 2
    response.state = "draft"
    services.dissolve_group(group, mod, "まとめ直すため")
    assert group.opinions == []


def test_group_mixing_periods_withheld_or_two_groups_is_refused(ctx, make_period, make_submission, make_opinion,
                                                               moderator):
    period_id, other_id = make_period(), make_period(title="別の意見募集")
    mod = user(moderator())
    a = make_opinion(submission_id=make_submission(period_id))
    b = make_opinion(submission_id=make_submission(other_id))
    c = make_opinion(submission_id=make_submission(period_id), state="withheld")
    with pytest.raises(ModerationError, match="mixed_periods"):
        services.group_opinions([get(Opinion, a), get(Opinion, b)], mod)
    with pytest.raises(ModerationError, match="withheld_in_group"):
        services.group_opinions([get(Opinion, a), get(Opinion, c)], mod)
    with pytest.raises(ModerationError, match="group_needs_two"):
        services.group_opinions([get(Opinion, a)], mod)
    d, e = make_opinion(submission_id=make_submission(period_id)), make_opinion(submission_id=make_submission(period_id))
    f = make_opinion(submission_id=make_submission(period_id))
    services.group_opinions([get(Opinion, a), get(Opinion, d)], mod)
    services.group_opinions([get(Opinion, e), get(Opinion, f)], mod)
    with pytest.raises(ModerationError, match="in_other_group"):
        services.group_opinions([get(Opinion, a), get(Opinion, e)], mod)
    with pytest.raises(ModerationError, match="grouped"):
        services.decide_opinion(get(Opinion, a), mod, decision="withheld", withhold_reason="duplicate")


def test_bulk_actions_log_every_item_and_change_nothing_when_one_is_refused(ctx, make_period, make_submission,
                                                                          make_opinion, make_tag, moderator):
    period_id = make_period()
    period = get(Submission, make_submission(period_id)).period
    tag_id = make_tag(period_id, "要望")
    mod, other = user(moderator()), user(moderator())
    ids = [make_opinion(submission_id=make_submission(period_id)) for _ in range(3)]
    assert services.bulk_apply(period, ids, "tag", mod, tag_id=tag_id) == 3
    tagged = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "opinion.tag"))
    assert tagged == 3
    # One opinion belongs to a submission another moderator holds: nothing is withheld.
    held = make_opinion(submission_id=make_submission(period_id))
    services.claim_submission(get(Opinion, held).submission, other)
    with pytest.raises(ModerationError) as error:
        services.bulk_apply(period, [*ids, held], "withhold", mod, withhold_reason="duplicate")
    assert error.value.code == "claimed_by_other" and error.value.params["opinion"] == held
    assert {get(Opinion, i).state for i in ids} == {"pending"}
    assert services.bulk_apply(period, ids, "withhold", mod, withhold_reason="duplicate") == 3
    withheld = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "opinion.withhold"))
    assert withheld == 3
    other_period_opinion = make_opinion(submission_id=make_submission(make_period(title="別の意見募集")))
    with pytest.raises(ModerationError, match="mixed_periods"):
        services.bulk_apply(period, [ids[0], other_period_opinion], "accept", mod)
    assert services.bulk_apply(period, ids[:2], "accept", mod) == 2
    assert services.bulk_apply(period, ids[:2], "group", mod, title="同じ趣旨") == 2
    assert db.session.scalar(select(func.count()).select_from(OpinionGroup)) == 1
