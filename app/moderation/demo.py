"""Moderate the demo plan's sample submissions through the services.

The closed Shimonoseki period is worked from start to finish, so that its result can be published;
on a period still open a couple of submissions are left for a person to do. The steps are generic:
split each submission by entry and write a summary; withhold one that advertises; redact a name
ending in さん; group the two most alike opinions by character trigram overlap. Running it twice
changes nothing.
"""

import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.text import char_ngrams, normalize_for_match
from app.extensions import db
from app.moderation import services
from app.moderation.models import Opinion, Tag
from app.periods.models import CommentPeriod
from app.plans.demo import demo_plan
from app.submissions.models import Submission

ADVERTISING = ("販売", "割引", "お得", "セール", "格安", "半額", "無料相談", "無料でお見積", "フリーダイヤル")
# A private person's name as submissions write it: two to four kanji or katakana before さん.
NAME = re.compile(r"[\u4e00-\u9fffァ-ヶー]{2,4}(?=さん)")
TAGS = ("市民活動センター", "まちづくり協議会", "情報発信", "担い手・人材育成", "計画全般")
LEAVE_FOR_A_PERSON = 2
SUMMARY_LENGTH = 60
MIN_SUMMARY = 15


def _summary(text: str) -> str:
    """A first draft of 意見の概要: the first sentence, shortened; a moderator rewrites it."""
    sentences = [part.strip() for part in re.split(r"(?<=[。！？!?])", text.strip()) if part.strip()]
    summary = sentences[0] if sentences else ""
    # A short opener (大学生です。) says nothing of the opinion: take the next sentence with it.
    for sentence in sentences[1:]:
        if len(summary) >= MIN_SUMMARY:
            break
        summary += sentence
    return summary if len(summary) <= SUMMARY_LENGTH else summary[:SUMMARY_LENGTH - 1] + "…"


def _similarity(a: str, b: str) -> float:
    grams_a = set(char_ngrams(normalize_for_match(a), 3))
    grams_b = set(char_ngrams(normalize_for_match(b), 3))
    return len(grams_a & grams_b) / len(grams_a | grams_b) if grams_a and grams_b else 0.0


def _periods() -> list[CommentPeriod]:
    plan = demo_plan()
    if plan is None:
        return []
    return list(db.session.scalars(select(CommentPeriod).where(CommentPeriod.plan_id == plan.id)
                                   .order_by(CommentPeriod.id)))


def _tags(period: CommentPeriod, staff: User) -> list[Tag]:
    existing = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.period_id == period.id))}
    for name in TAGS:
        if name not in existing:
            existing[name] = services.create_tag(period, staff, name)
    return [existing[name] for name in TAGS]


def _matching_tag(text: str, tags: list[Tag]) -> Tag:
    for tag in tags[:-1]:
        if any(word in text for word in re.split(r"[・]", tag.name)):
            return tag
    return tags[-1]


def load() -> list[str]:
    periods = _periods()
    if not periods:
        return ["moderation: no demo comment period; nothing to moderate"]
    return [line for period in periods for line in _moderate(period)]


def _moderate(period: CommentPeriod) -> list[str]:
    submissions = db.session.scalars(
        select(Submission).where(Submission.period_id == period.id).options(selectinload(Submission.entries))
        .order_by(Submission.received_at, Submission.id)
    ).all()
    if not submissions:
        return ["moderation: no demo submissions yet; nothing to moderate"]
    if db.session.scalar(select(func.count()).select_from(Opinion).where(Opinion.period_id == period.id)):
        return ["moderation: demo submissions already moderated"]
    moderator = db.session.scalar(select(User).where(User.email == "moderator@example.jp"))
    staff = db.session.scalar(select(User).where(User.email == "staff@example.jp"))
    if moderator is None or staff is None:
        return ["moderation: demo users missing; nothing to moderate"]
    services.reindex_all()
    if period.results_published_at is not None:
        return ["moderation: the demo period's results are already published; nothing to moderate"]
    tags = _tags(period, staff)
    if period.state() == "open":
        worked = submissions[:-LEAVE_FOR_A_PERSON] if len(submissions) > LEAVE_FOR_A_PERSON else submissions[:1]
    else:
        worked = submissions
    opinions: list[Opinion] = []
    withheld = redacted = 0
    for submission in worked:
        if not any(entry.body.strip() for entry in submission.entries):
            continue
        made = services.split_by_entries(submission, moderator)
        for opinion in made:
            advert = not withheld and any(word in opinion.excerpt for word in ADVERTISING)
            summary = "" if advert else _summary(opinion.excerpt)
            tag_ids = [] if advert else [_matching_tag(opinion.excerpt, tags).id]
            services.update_opinion(opinion, moderator, excerpt=opinion.excerpt, summary=summary,
                                    section_id=opinion.section_id, tag_ids=tag_ids)
            if advert:
                services.decide_opinion(opinion, moderator, decision="withheld", withhold_reason="advertising")
                withheld += 1
                continue
            names = set(NAME.findall(opinion.summary)) | set(NAME.findall(opinion.excerpt))
            for name in sorted(names):
                if name in services.public_text(opinion):
                    services.redact_phrase(opinion, moderator, phrase=name, reason="private_person")
                    redacted += 1
            services.decide_opinion(opinion, moderator, decision="accepted")
            opinions.append(opinion)
        services.complete_submission(submission, moderator)
    lines = [f"moderation: {period.title}: {len(worked)} submission(s) split into {len(opinions) + withheld} opinion(s), "
             f"{withheld} withheld as advertising, {redacted} name(s) redacted, "
             f"{len(submissions) - len(worked)} left for a moderator"]
    if len(opinions) < 2:
        return lines
    pairs = [(_similarity(a.excerpt, b.excerpt), a, b) for i, a in enumerate(opinions)
             for b in opinions[i + 1:] if a.submission_id != b.submission_id]
    if pairs:
        score, first, second = max(pairs, key=lambda pair: pair[0])
        group = services.group_opinions([first, second], moderator, title=first.summary)
        lines.append(f"moderation: grouped two similar opinions ({score:.2f} trigram overlap) as 「{group.title}」")
    return lines
