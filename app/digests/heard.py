"""「いただいたご意見のまとめ」 (what we heard): a published period's digest and result, read together
by the public.

Per part of the draft: how many opinions were published, the words most of them used and the groups of
similar opinions with the city's answer; and the submissions per day. It is built from what is
already public or counted: the result (its rows, as published) and the digest (keywords, the per-day
counts). No text of a single opinion is added to what the result shows, and a keyword is shown only
when it cannot point at a person:

- at least ``MIN_OPINIONS`` opinions use it (as a survey hides its small cells);
- SudachiPy does not read it as a person's name (固有名詞・人名);
- it is not, and does not hold, anything the personal-data screening found in the period's texts.

A group is a result row that answers at least two opinions (同様の意見): one opinion alone is in the
result already and is not a group.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.digests.keywords import tokenizer
from app.digests.models import Digest
from app.digests.services import digest_of
from app.extensions import db
from app.moderation import counting
from app.periods.models import CommentPeriod
from app.privacy.models import PersonalFinding, TextScreening
from app.responses.report import Row, public_result

MIN_OPINIONS = 5
MIN_GROUP = 2
WORDS_SHOWN = 10


@dataclass
class HeardSection:
    label: str  # "" for the draft as a whole
    opinions: int
    keywords: list[tuple[str, int]] = field(default_factory=list)
    groups: list[Row] = field(default_factory=list)


@dataclass
class Heard:
    period: CommentPeriod
    title: str
    submitters: int
    opinions: int  # published (accepted), as the result counts them
    sections: list[HeardSection]
    keywords: list[tuple[str, int]]  # over all sections
    per_day: list[dict]  # [{"date": "2025-…", "submissions": n}]
    digest_built_at: datetime | None


def _blocked_words(period_id: int) -> set[str]:
    """What the screening found in this period's opinions and answers (names, phone numbers …)."""
    return set(db.session.scalars(
        select(PersonalFinding.text).join(TextScreening, TextScreening.id == PersonalFinding.screening_id)
        .where(TextScreening.period_id == period_id)
    ))


def _is_person_name(word: str) -> bool:
    return any(m.part_of_speech()[1:3] == ("固有名詞", "人名") for m in tokenizer().tokenize(word))


def public_words(words: list, blocked: set[str]) -> list[tuple[str, int]]:
    """The keywords that may be shown (see the module's rules), most used first."""
    shown = []
    for word, count in words:
        if count < MIN_OPINIONS or _is_person_name(word):
            continue
        if any(found and (found in word or word in found) for found in blocked):
            continue
        shown.append((word, count))
    return shown[:WORDS_SHOWN]


def heard(period: CommentPeriod) -> Heard:
    """The page's content; the caller has checked that the result is published."""
    digest: Digest | None = digest_of(period)
    report = public_result(period)
    blocked = _blocked_words(period.id)
    keywords = digest.keywords if digest else {}
    by_section_words = {entry["section_id"]: entry["words"] for entry in keywords.get("sections", [])}
    published = counting.opinions(period.id, by="section", states=("accepted",))
    groups: dict[str, list[Row]] = {}
    for label, rows in report.sections:
        groups.setdefault(label, []).extend(row for row in rows if row.similar >= MIN_GROUP)
    parts = [(section.id, section.display) for section in period.sections] + [(None, "")]
    sections = [
        HeardSection(label, published.get(section_id, 0), public_words(by_section_words.get(section_id, []), blocked),
                     groups.get(label, []))
        for section_id, label in parts
        if published.get(section_id, 0) or groups.get(label)
    ]
    counts = report.counts
    return Heard(period=period, title=report.title, submitters=counts.get("submitters", 0),
                 opinions=counts.get("published", 0), sections=sections,
                 keywords=public_words(keywords.get("overall", []), blocked),
                 per_day=(digest.counts.get("per_day", []) if digest else []),
                 digest_built_at=digest.built_at if digest else None)
