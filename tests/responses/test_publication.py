"""The check before publishing, the act itself, the submitters' notice, errata and the lookup."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry, JobRun, OutboxJob
from app.extensions import db
from app.periods.models import CommentPeriod
from app.responses import checks, results, services
from app.responses.lookup import lookup_section
from app.responses.models import Result
from app.submissions.models import Submission
from tests.responses.conftest import user


def _period(period_id) -> CommentPeriod:
    return db.session.get(CommentPeriod, period_id)


def _codes(period_id) -> list[str]:
    return [p.code for p in checks.publication_problems(_period(period_id))]


def _describe(period_id, actor_id, *, note="全文はまちづくり政策課で閲覧できます。"):
    results.update_result(_period(period_id), title="意見募集の結果について", draft_published_on=date(2025, 10, 6),
                          full_text_note=note, introduction="", actor=user(actor_id))


def test_check_lists_everything_missing_on_an_open_period(ctx, make_period, make_opinion, make_submission):
    period_id = make_period(state="open")
    make_opinion(period_id)
    make_opinion(period_id, state="pending")
    make_submission(period_id)
    assert _codes(period_id) == ["not_closed", "pending_opinions", "unsplit_submissions", "missing_responses",
                                 "no_title", "no_draft_date"]
    problems = {p.code: p.count for p in checks.publication_problems(_period(period_id))}
    assert problems["pending_opinions"] == 1 and problems["missing_responses"] == 1


def test_summaries_standing_in_for_full_texts_need_a_note(ctx, make_period, make_opinion, answered, staff_pair):
    period_id = make_period()
    make_opinion(period_id, excerpt="長い原文です。" * 5, summary="短い概要")
    author_id, _ = answered(period_id)
    _describe(period_id, author_id, note="")
    assert _codes(period_id) == ["no_full_text_note"]
    _describe(period_id, author_id)
    assert _codes(period_id) == []


def test_publishing_before_closing_is_refused_and_changes_nothing(ctx, make_period, make_opinion, answered):
    period_id = make_period(state="open")
    make_opinion(period_id)
    author_id, _ = answered(period_id)
    _describe(period_id, author_id)
    db.session.commit()
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(results.PublicationRefused) as refused:
        results.publish_result(_period(period_id), actor=user(author_id))
    assert [p.code for p in refused.value.problems] == ["not_closed"]
    db.session.rollback()
    assert _period(period_id).results_published_at is None
    assert db.session.scalar(select(Result.published_at).where(Result.period_id == period_id)) is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    assert db.session.scalar(select(func.count()).select_from(OutboxJob)) == 0


def test_publishing_with_an_unapproved_answer_is_refused(ctx, make_period, make_opinion, staff_pair):
    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = staff_pair()
    target = services.period_targets(_period(period_id))[0]
    response = services.save_response(_period(period_id), target, body="回答", category="A", actor=user(author_id))
    services.submit_response(response, actor=user(author_id))
    _describe(period_id, author_id)
    with pytest.raises(results.PublicationRefused) as refused:
        results.publish_result(_period(period_id), actor=user(author_id))
    assert [(p.code, p.count) for p in refused.value.problems] == [("missing_responses", 1)]


def test_publication_snapshots_counts_and_tells_each_submitter_with_an_email(
        ctx, make_period, make_opinion, make_submission, answered, mailbox, run_jobs):
    period_id = make_period()
    web = make_submission(period_id, email="taro@example.jp", channel="web", attribute="resident")
    fax = make_submission(period_id, channel="fax", attribute="worker")
    make_opinion(period_id, submission_id=web)
    make_opinion(period_id, submission_id=web, section=2)
    make_opinion(period_id, submission_id=fax, state="withheld", withhold_reason="third_party")
    author_id, approver_id = answered(period_id)
    _describe(period_id, author_id)
    result = results.publish_result(_period(period_id), actor=user(approver_id))
    db.session.commit()
    from app.core.jobs import dispatch

    dispatch()
    run_jobs()
    assert result.counts["submitters"] == 2 and result.counts["opinions"] == 3
    assert result.counts["withheld_by_reason"] == {"third_party": 1}
    assert result.counts["by_channel"]["fax"] == {"submitters": 1, "opinions": 1}
    assert result.counts["by_attribute"]["resident"] == {"submitters": 1, "opinions": 2}
    assert _period(period_id).results_published_at == result.published_at
    assert _period(period_id).state() == "published"
    assert len(mailbox) == 1 and mailbox[0]["To"] == "taro@example.jp"
    receipt = db.session.get(Submission, web).receipt_no
    assert receipt in mailbox[0]["Subject"] and receipt in mailbox[0].get_content()
    assert f"/periods/{period_id}/result" in mailbox[0].get_content()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == results.EXPORT_KIND))
    assert run.state == "done" and set(run.result["files"]) == {"csv", "xlsx", "html", "pdf"}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "result.publish")).actor_id == approver_id


def test_a_result_is_published_only_once(ctx, make_period, make_opinion, answered):
    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = answered(period_id)
    _describe(period_id, author_id)
    results.publish_result(_period(period_id), actor=user(author_id))
    with pytest.raises(results.PublicationRefused) as refused:
        results.publish_result(_period(period_id), actor=user(author_id))
    assert [p.code for p in refused.value.problems] == ["already_published"]


def test_a_period_without_opinions_publishes_that_none_were_received(ctx, make_period, staff_pair):
    period_id = make_period()
    author_id, _ = staff_pair()
    _describe(period_id, author_id)
    result = results.publish_result(_period(period_id), actor=user(author_id))
    assert result.counts["submitters"] == 0 and result.counts["opinions"] == 0


def test_erratum_is_logged_and_needs_a_reason(ctx, make_period, make_opinion, answered):
    period_id = make_period()
    make_opinion(period_id)
    author_id, _ = answered(period_id)
    _describe(period_id, author_id)
    with pytest.raises(services.ResponseError, match="not_published"):
        results.add_erratum(_period(period_id), location="No.1", before="a", after="b", reason="誤記",
                            actor=user(author_id))
    results.publish_result(_period(period_id), actor=user(author_id))
    with pytest.raises(services.ResponseError, match="reason_required"):
        results.add_erratum(_period(period_id), location="No.1", before="a", after="b", reason=" ",
                            actor=user(author_id))
    erratum = results.add_erratum(_period(period_id), location="No.1 市の考え方", before="令和7年",
                                  after="令和8年", reason="年度の誤記", actor=user(author_id))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "result.erratum"))
    assert entry.reason == "年度の誤記" and entry.details["erratum"] == erratum.id
    # Published text stays as it was; the details of a published result cannot be edited either.
    with pytest.raises(services.ResponseError, match="result_published"):
        results.update_result(_period(period_id), title="別の題", draft_published_on=None, full_text_note="",
                              introduction="", actor=user(author_id))


def test_lookup_shows_answers_only_after_publication(ctx, make_period, make_opinion, make_submission, make_group,
                                                     answered):
    period_id = make_period()
    submission_id = make_submission(period_id, email="hanako@example.jp")
    group_id = make_group(period_id)
    make_opinion(period_id, submission_id=submission_id, excerpt="開館時間を延ばしてほしい。")
    make_opinion(period_id, submission_id=submission_id, group=group_id, excerpt="駐車場を増やしてほしい。")
    make_opinion(period_id, group=group_id, excerpt="駐車場が足りない。")
    make_opinion(period_id, submission_id=submission_id, state="withheld", withhold_reason="defamation",
                 excerpt="悪口 WITHHELDTEXT")
    author_id, _ = answered(period_id, category="B", body="**計画に盛り込んでいます。**")
    submission = db.session.get(Submission, submission_id)
    assert lookup_section(submission) is None
    _describe(period_id, author_id)
    results.publish_result(_period(period_id), actor=user(author_id))
    template, context = lookup_section(submission)
    assert template == "responses/_lookup_answers.html"
    answers = context["answers"]
    assert [a.state for a in answers] == ["answered", "answered", "withheld"]
    assert answers[0].opinion == "開館時間を延ばしてほしい。" and answers[0].category_label == "既に盛り込み済み"
    assert answers[1].similar == 2
    assert answers[2].withheld_reason == "誹謗中傷に当たるもの"
    from flask import render_template

    html = render_template(template, ctx=context)
    assert "計画に盛り込んでいます" in html and "<strong>" in html
    # The holder of the lookup code is shown their own withheld words, to know which part was not published.
    assert "悪口 WITHHELDTEXT" in html and "あなたが送った意見のうち該当する部分" in html
