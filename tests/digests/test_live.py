"""The live digest (app/digests/live.py): opinions taken in a few at a time give the very digest a full
rebuild gives — groups as sets of opinions, their kind, template, additions, sample and order, the
counts and the keywords — while an incremental run only works on what changed."""

import json
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.digests import live
from app.digests.builder import compile_digest, count_period, group_and_count_words, keywords_of
from app.digests.models import Digest, DigestCluster, DigestClusterMember, LiveDigest, LiveText
from app.digests.tasks import update_live_digests
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod, Section
from tests.digests.conftest import ADDITIONS, UNIQUE, form_copy

BASE = ("地域の公民館を夜間も使えるようにしてほしい。仕事帰りに集まれる場所がなく、市民活動の担い手が育たない原因に"
        "なっています。図書室と会議室の開放時間を延ばし、予約をオンラインでできるようにしてください。")
LEFT = BASE + "駐輪場も駐車場も足りません。"
RIGHT = "子育て世代として声を届けます。" + BASE


def stored(period_id: int) -> dict:
    """The stored digest as plain data (ids of rows and build times left out)."""
    digest = db.session.scalars(select(Digest).where(Digest.period_id == period_id)).one()
    clusters = []
    for cluster in db.session.scalars(select(DigestCluster).where(DigestCluster.digest_id == digest.id)
                                      .order_by(DigestCluster.position)):
        members = db.session.execute(select(DigestClusterMember.opinion_id, DigestClusterMember.addition)
                                     .where(DigestClusterMember.cluster_id == cluster.id)
                                     .order_by(DigestClusterMember.opinion_id)).all()
        clusters.append({"position": cluster.position, "kind": cluster.kind, "size": cluster.size,
                         "template": cluster.template, "sample": cluster.sample,
                         "members": [list(member) for member in members]})
    return {"counts": json.loads(json.dumps(digest.counts)), "keywords": json.loads(json.dumps(digest.keywords)),
            "submissions": digest.submission_count, "opinions": digest.opinion_count, "clusters": clusters}


def rebuilt(period_id: int) -> dict:
    """What ``compile_digest`` would store, computed with the builder's own functions without saving
    (so the live state's digest is left alone)."""
    from app.moderation import counting

    period = db.session.get(CommentPeriod, period_id)
    sections = {section.id: section.display for section in
                db.session.scalars(select(Section).where(Section.period_id == period_id).order_by(Section.position))}
    counts = count_period(period, sections)
    clusters, words, samples = group_and_count_words(period_id, SimpleNamespace(progress=0, step=""))
    counts["clusters"] = dict(Counter(cluster.kind for cluster in clusters))
    keywords = keywords_of(words, sections)
    return {"counts": json.loads(json.dumps(counts)), "keywords": json.loads(json.dumps(keywords)),
            "submissions": counting.submitters(period_id), "opinions": counting.opinions(period_id, states=None),
            "clusters": [{"position": position, "kind": cluster.kind, "size": len(cluster.ids),
                          "template": cluster.template or "",
                          "sample": "" if cluster.template else samples.get(cluster.ids[0], ""),
                          "members": [[i, cluster.additions.get(i, "")] for i in cluster.ids]}
                         for position, cluster in enumerate(clusters)]}


@pytest.fixture
def starts(monkeypatch):
    """How many runs started again from nothing."""
    calls = []
    original = live.clear
    monkeypatch.setattr(live, "clear", lambda state: (calls.append(state.period_id), original(state)))
    return calls


def step(period_id: int) -> dict:
    live.update_live_digest(db.session.get(CommentPeriod, period_id))
    db.session.commit()
    db.session.expire_all()
    snapshot = stored(period_id)
    assert snapshot == rebuilt(period_id)
    return snapshot


def cluster_of(opinion_id: int) -> int:
    return db.session.scalars(select(DigestClusterMember.cluster_id).where(DigestClusterMember.opinion_id == opinion_id)).one()


def groups(snapshot: dict) -> list[set[int]]:
    return [{member for member, _ in cluster["members"]} for cluster in snapshot["clusters"]]


def test_opinions_taken_in_step_by_step_give_the_full_rebuilds_digest(ctx, make_period, add_opinions, starts):
    period_id = make_period()
    first = add_opinions(period_id, [
        {"text": form_copy(ADDITIONS[0]), "section": 3}, {"text": form_copy(ADDITIONS[1]), "section": 3},
        {"text": UNIQUE[0], "section": None}, {"text": UNIQUE[1]}, {"text": LEFT, "section": 2},
        {"text": "。。、", "section": 2},  # nothing to match on: counted, never grouped
    ])
    snapshot = step(period_id)
    assert groups(snapshot) == [set(first[:2])] and snapshot["clusters"][0]["kind"] == "near"
    assert starts == [period_id]  # the first run builds from nothing

    # A near-duplicate arriving after its partner, an exact copy, a withheld copy, and three more
    # form letters: the letters' group becomes a form-letter campaign with its template.
    second = add_opinions(period_id, [
        {"text": UNIQUE[1].replace("大きすぎます", "大きすぎる"), "section": 2},
        {"text": LEFT, "section": 1, "channel": "fax"},
        {"text": LEFT, "state": "withheld"},
        *({"text": form_copy(addition), "section": 3} for addition in ADDITIONS[2:]),
    ])
    snapshot = step(period_id)
    assert {*first[:2], *second[3:]} in groups(snapshot) and {first[3], second[0]} in groups(snapshot)
    assert {first[4], second[1]} in groups(snapshot)
    assert snapshot["clusters"][0]["kind"] == "template" and snapshot["clusters"][0]["template"]

    # Two groups that do not meet, then an opinion close to both: it joins them into one.
    third = add_opinions(period_id, [{"text": RIGHT, "section": 2}, {"text": RIGHT, "section": 3}])
    snapshot = step(period_id)
    assert {first[4], second[1]} in groups(snapshot) and set(third) in groups(snapshot)
    bridge = add_opinions(period_id, [{"text": BASE, "section": 2}])
    snapshot = step(period_id)
    assert {first[4], second[1], *third, *bridge} in groups(snapshot)

    # Only copies of texts already known (no new text to sign): a lone opinion becomes a pair, and
    # the campaign, whose template stays, keeps its row and gains a member.
    campaign = cluster_of(first[0])
    copies = add_opinions(period_id, [{"text": UNIQUE[0], "section": 2}, {"text": form_copy(""), "section": 3}])
    snapshot = step(period_id)
    assert {first[2], copies[0]} in groups(snapshot)
    assert cluster_of(copies[1]) == campaign

    # Nothing new: the counts still follow moderation (a tag, a decision) without starting again.
    db.session.get(Opinion, first[2]).state = "accepted"
    db.session.commit()
    step(period_id)
    assert starts == [period_id]
    assert len(db.session.scalars(select(LiveText).where(LiveText.period_id == period_id)).all()) == 11

    # The real job, run last, writes the same digest.
    before = stored(period_id)
    compile_digest(db.session.get(CommentPeriod, period_id), run=type("Run", (), {"id": None})())
    db.session.commit()
    assert stored(period_id) == before


@pytest.mark.parametrize("change", ["edit", "withhold", "section", "delete"])
def test_a_moderation_change_after_an_opinion_was_taken_in_starts_again(ctx, make_period, add_opinions, starts,
                                                                        change):
    period_id = make_period()
    ids = add_opinions(period_id, [{"text": form_copy(addition), "section": 3} for addition in ADDITIONS]
                       + [{"text": text} for text in UNIQUE])
    step(period_id)
    opinion = db.session.get(Opinion, ids[1])
    if change == "edit":
        opinion.excerpt = UNIQUE[2]
    elif change == "withhold":
        opinion.state = "withheld"
    elif change == "section":
        opinion.section_id = None
    else:
        db.session.delete(opinion)
    db.session.commit()
    add_opinions(period_id, [{"text": form_copy("追加の一文です。"), "section": 3}])
    step(period_id)
    assert starts == [period_id, period_id]


def test_a_digest_rebuilt_meanwhile_or_a_stale_mark_starts_again(ctx, make_period, add_opinions, starts):
    period_id = make_period()
    add_opinions(period_id, [{"text": text} for text in UNIQUE])
    step(period_id)
    compile_digest(db.session.get(CommentPeriod, period_id), run=type("Run", (), {"id": None})())
    db.session.commit()
    step(period_id)
    live.mark_stale(period_id)
    db.session.commit()
    step(period_id)
    step(period_id)
    assert starts == [period_id] * 3


def test_the_schedule_updates_open_periods_and_forgets_closed_ones(ctx, make_period, add_opinions):
    open_id, closed_id = make_period(), make_period(state="closed")
    add_opinions(open_id, [{"text": text} for text in UNIQUE])
    add_opinions(closed_id, [{"text": text} for text in UNIQUE])
    live.update_live_digest(db.session.get(CommentPeriod, closed_id))  # taken in while it was open
    db.session.commit()
    assert update_live_digests() == 1
    db.session.expire_all()
    assert stored(open_id) == rebuilt(open_id)
    assert db.session.get(LiveDigest, open_id).opinion_count == 4
    assert db.session.get(LiveDigest, closed_id) is None
    assert db.session.scalars(select(Digest.id).where(Digest.period_id == closed_id)).one()  # the digest stays
    db.session.get(CommentPeriod, open_id).closes_at = utcnow()
    db.session.commit()
    assert update_live_digests() == 0


def test_an_opinion_committed_out_of_id_order_starts_again(ctx, make_period, add_opinions, starts):
    """An opinion whose id is below one already taken in (its transaction committed later) would not
    come last in its buckets: the run starts again rather than differ from a full rebuild."""
    period_id = make_period()
    ids = add_opinions(period_id, [{"text": form_copy(addition), "section": 3} for addition in ADDITIONS])
    late = db.session.get(Opinion, ids[2])
    submission_id, excerpt = late.submission_id, late.excerpt
    db.session.delete(late)
    db.session.commit()
    step(period_id)
    db.session.add(Opinion(id=ids[2], period_id=period_id, submission_id=submission_id, excerpt=excerpt,
                           section_id=db.session.get(Opinion, ids[0]).section_id))
    db.session.commit()
    step(period_id)
    assert starts == [period_id, period_id]
    assert ids[2] in {member for member, _ in stored(period_id)["clusters"][0]["members"]}
