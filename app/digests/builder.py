"""Compiling one period's digest from the database, as the worker does it.

Reading is one streamed pass over the period's opinions (id, section, excerpt, state: nothing else)
plus a few GROUP BY queries; the heavy work is in ``similarity`` and ``keywords``; writing replaces
the previous digest in one transaction with bulk inserts, so readers see the old digest or the
new one, never half of one.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy import func as sql
from sqlalchemy.orm import aliased

from app.core import runs
from app.core.models import JobRun
from app.core.settings import labels
from app.core.timeutil import to_jst, utcnow
from app.digests.keywords import count_keywords_by_key, overall_keywords, top_keywords
from app.digests.models import Digest, DigestCluster, DigestClusterMember
from app.digests.similarity import Cluster, find_similar
from app.extensions import db
from app.moderation import counting
from app.moderation.models import Opinion, Tag, opinion_tags
from app.periods.models import CHANNELS, CommentPeriod, Section
from app.responses.models import Response
from app.submissions.models import Submission

STREAM_BATCH = 5000
TOP_KEYWORDS = 20
MAX_CHART_DAYS = 400  # a longer span is shown from its last day back
OPINION_STATES = ("pending", "accepted", "withheld")


@dataclass
class PeriodOpinions:
    """The period's opinions as parallel columns (cheaper than 100,000 row objects)."""

    ids: list[int] = field(default_factory=list)
    sections: list[int | None] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)


def read_opinions(period_id: int) -> PeriodOpinions:
    opinions = PeriodOpinions()
    rows = db.session.execute(
        select(Opinion.id, Opinion.section_id, Opinion.excerpt, Opinion.state)
        .where(Opinion.period_id == period_id)
        .order_by(Opinion.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for opinion_id, section_id, excerpt, state in rows:
        opinions.ids.append(opinion_id)
        opinions.sections.append(section_id)
        opinions.texts.append(excerpt)
        opinions.states.append(state)
    return opinions


# --- counts ---------------------------------------------------------------------------------


def _pairs(query) -> dict:
    return {key: count for key, count in db.session.execute(query)}


def _table(keys_labels, submitters: dict, opinions: dict) -> list[dict]:
    """Rows in the order of ``keys_labels`` (known codes first), then any other code found."""
    rows = [{"key": key, "label": label, "submitters": submitters.get(key, 0), "opinions": opinions.get(key, 0)}
            for key, label in keys_labels]
    known = {key for key, _ in keys_labels}
    for key in sorted(set(submitters) | set(opinions), key=lambda k: k or ""):
        if key not in known:
            rows.append({"key": key, "label": key or "", "submitters": submitters.get(key, 0),
                         "opinions": opinions.get(key, 0)})
    return [row for row in rows if row["submitters"] or row["opinions"]]


def _by_submission_column(period_id: int, by: str, keys_labels) -> list[dict]:
    # Pending opinions count here: the digest is read while moderation is still under way.
    return _table(keys_labels, counting.submitters(period_id, by=by), counting.opinions(period_id, by=by, states=None))


def per_day(period: CommentPeriod) -> list[dict]:
    """Submissions received per day (Japan time), every day of the span shown, zeros included."""
    days: Counter[date] = Counter()
    stream = db.session.execute(
        select(Submission.received_at).where(Submission.period_id == period.id)
        .execution_options(yield_per=STREAM_BATCH)
    ).scalars()
    for received_at in stream:
        days[to_jst(received_at).date()] += 1
    first = min([to_jst(period.opens_at).date(), *days])
    last = max([min(to_jst(period.closes_at).date(), to_jst(utcnow()).date()), *days])
    first = max(first, last - timedelta(days=MAX_CHART_DAYS - 1))
    span = (last - first).days + 1
    return [{"date": (first + timedelta(days=n)).isoformat(), "submissions": days.get(first + timedelta(days=n), 0)}
            for n in range(max(span, 0))]


def count_period(period: CommentPeriod, sections: dict[int, str]) -> dict:
    pid = period.id
    by_section = counting.opinions(pid, by="section", states=None)
    by_tag = _pairs(
        select(Tag.name, sql.count())
        .select_from(opinion_tags)
        .join(Tag, Tag.id == opinion_tags.c.tag_id)
        .join(Opinion, Opinion.id == opinion_tags.c.opinion_id)
        .where(Opinion.period_id == pid)
        .group_by(Tag.name)
    )
    by_state = counting.opinions(pid, by="state", states=None)
    own, grouped = aliased(Response), aliased(Response)
    category = sql.coalesce(own.category, grouped.category, "")
    by_category = _pairs(
        select(category, sql.count(Opinion.id))
        .select_from(Opinion)
        .outerjoin(own, own.opinion_id == Opinion.id)
        .outerjoin(grouped, grouped.group_id == Opinion.group_id)
        .where(Opinion.period_id == pid)
        .group_by(category)
    )
    return {
        "by_channel": _by_submission_column(pid, "channel", [(code, code) for code in CHANNELS]),
        "by_attribute": _by_submission_column(pid, "attribute", labels("period.attributes")),
        "by_section": [{"key": key, "label": sections.get(key, ""), "opinions": by_section[key]}
                       for key in [*sections, None] if by_section.get(key)],
        "by_tag": [{"key": name, "label": name, "opinions": n}
                   for name, n in sorted(by_tag.items(), key=lambda item: (-item[1], item[0]))],
        "by_state": [{"key": state, "opinions": by_state[state]}
                     for state in [*OPINION_STATES, *sorted(set(by_state) - set(OPINION_STATES))]
                     if by_state.get(state)],
        "by_category": _table(labels("response.categories"), {}, by_category),
        "per_day": per_day(period),
    }


# --- keywords -------------------------------------------------------------------------------


def keyword_inputs(opinions: PeriodOpinions, usable: list[int], clusters: list[Cluster]) -> dict:
    """Per section, (text, copies) to count words in. A form letter counts its template once per
    copy plus each sender's own addition, so the letter's words are weighted by how many sent it
    without tokenising every copy; any other opinion counts its own text."""
    by_section: dict[int | None, list[tuple[str, int]]] = {}
    section_of = {opinions.ids[i]: opinions.sections[i] for i in usable}
    templated: set[int] = set()
    for cluster in clusters:
        if cluster.kind != "template":
            continue
        templated.update(cluster.ids)
        for section, copies in Counter(section_of[i] for i in cluster.ids).items():
            by_section.setdefault(section, []).append((cluster.template or "", copies))
        for opinion_id, addition in cluster.additions.items():
            if addition:
                by_section.setdefault(section_of[opinion_id], []).append((addition, 1))
    for index in usable:
        if opinions.ids[index] not in templated:
            by_section.setdefault(opinions.sections[index], []).append((opinions.texts[index], 1))
    return by_section


def keywords_of(inputs: dict, sections: dict[int, str]) -> dict:
    counts = count_keywords_by_key(inputs)
    order = [*sections, None]
    return {
        "overall": overall_keywords(counts, TOP_KEYWORDS),
        "sections": [{"section_id": key, "label": sections.get(key, ""), "words": top_keywords(counts[key], TOP_KEYWORDS)}
                     for key in order if key in counts and counts[key]],
    }


# --- saving ---------------------------------------------------------------------------------


def save_digest(period: CommentPeriod, run: JobRun, counts: dict, keywords: dict, clusters: list[Cluster],
                text_of: dict[int, str], submission_count: int, opinion_count: int) -> Digest:
    """Replace the period's digest with this one (the caller commits)."""
    db.session.execute(delete(Digest).where(Digest.period_id == period.id))
    digest = Digest(period_id=period.id, job_run_id=run.id, built_at=utcnow(), counts=counts, keywords=keywords,
                    submission_count=submission_count, opinion_count=opinion_count)
    db.session.add(digest)
    db.session.flush()
    if clusters:
        # Core inserts (executemany in pages of many rows): the ORM's bulk path costs several times more.
        clusters_table, members_table = DigestCluster.__table__, DigestClusterMember.__table__
        cluster_ids = db.session.scalars(
            insert(clusters_table).returning(clusters_table.c.id, sort_by_parameter_order=True),
            [{"digest_id": digest.id, "position": position, "kind": cluster.kind, "size": len(cluster.ids),
              "template": cluster.template or "", "sample": "" if cluster.template else text_of[cluster.ids[0]]}
             for position, cluster in enumerate(clusters)],
        ).all()
        db.session.execute(
            insert(members_table),
            [{"cluster_id": cluster_id, "opinion_id": opinion_id, "addition": cluster.additions.get(opinion_id, "")}
             for cluster_id, cluster in zip(cluster_ids, clusters, strict=True) for opinion_id in cluster.ids],
        )
    return digest


def compile_digest(period: CommentPeriod, run: JobRun) -> Digest:
    """Read, count, group, find keywords, save: the whole digest, reporting progress on ``run``."""
    sections = {section.id: section.display for section in
                db.session.scalars(select(Section).where(Section.period_id == period.id).order_by(Section.position))}
    runs.progress(run, 5, "digest.reading")
    opinions = read_opinions(period.id)
    runs.progress(run, 20, "digest.counting")
    counts = count_period(period, sections)
    submission_count = counting.submitters(period.id)
    runs.progress(run, 35, "digest.similar")
    # Withheld opinions are counted but never answered, so they are neither grouped nor mined for words.
    usable = [i for i, state in enumerate(opinions.states) if state != "withheld"]
    clusters = find_similar((opinions.ids[i], opinions.texts[i]) for i in usable)
    counts["clusters"] = dict(Counter(cluster.kind for cluster in clusters))
    runs.progress(run, 55, "digest.keywords")
    keywords = keywords_of(keyword_inputs(opinions, usable, clusters), sections)
    runs.progress(run, 85, "digest.saving")
    text_of = {opinions.ids[i]: opinions.texts[i] for i in usable}
    return save_digest(period, run, counts, keywords, clusters, text_of, submission_count, len(opinions.ids))
