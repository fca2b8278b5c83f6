"""A period's digest: counts, keywords and the groups of similar opinions a worker found.

One digest per period, replaced whole by each rebuild. Clusters and their members are rows, not a
JSON blob: a period of 100,000 opinions has tens of thousands of clustered opinions, and the page
lists clusters a page at a time and accepts one cluster's members by index, never loading them all.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import JobRun
from app.core.types import UTCDateTime
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup
from app.periods.models import CommentPeriod

CLUSTER_KINDS = ("template", "near", "exact")


def can_view_digest(period: CommentPeriod, user) -> bool:
    """The period's moderators and its department's staff (and admins): its opinions' words are theirs."""
    return period.can_moderate(user) or period.can_edit(user)


class Digest(db.Model):
    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"), unique=True)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submission_count: Mapped[int] = mapped_column(default=0)
    opinion_count: Mapped[int] = mapped_column(default=0)
    # {"by_channel": [...], "by_attribute": [...], "by_section": [...], "by_tag": [...],
    #  "by_state": [...], "by_category": [...], "per_day": [...], "clusters": {kind: n}}
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {"overall": [[word, opinions], ...], "sections": [{"section_id", "label", "words"}, ...]}
    keywords: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    period: Mapped[CommentPeriod] = relationship()
    job_run: Mapped[JobRun | None] = relationship()

    def can_view(self, user) -> bool:
        return can_view_digest(self.period, user)


class DigestCluster(db.Model):
    """Opinions found saying the same thing. For a form letter, ``template`` is the shared text and
    each member's ``addition`` what its sender wrote in their own words."""

    __tablename__ = "digest_clusters"
    __table_args__ = (Index("ix_digest_clusters_digest_position", "digest_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()  # largest first
    kind: Mapped[str] = mapped_column(String(16))  # template, near, exact
    size: Mapped[int] = mapped_column()
    template: Mapped[str] = mapped_column(Text, default="")
    sample: Mapped[str] = mapped_column(Text, default="")  # one member's text, for near and exact
    accepted_group_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_groups.id", ondelete="SET NULL"))

    digest: Mapped[Digest] = relationship()
    accepted_group: Mapped[OpinionGroup | None] = relationship()


class DigestClusterMember(db.Model):
    __tablename__ = "digest_cluster_members"

    cluster_id: Mapped[int] = mapped_column(ForeignKey("digest_clusters.id", ondelete="CASCADE"), primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    addition: Mapped[str] = mapped_column(Text, default="")

    opinion: Mapped[Opinion] = relationship()


# --- the live digest's state (app/digests/live.py) -------------------------------------------
#
# While a period is open its digest is kept up to date a few opinions at a time. What a full
# rebuild would recompute for every opinion is kept here, per period: each distinct text's MinHash
# signature and LSH band keys, the component (group) it belongs to, and the running keyword counts.


class LiveDigest(db.Model):
    """Where a period's live digest stands: the opinions it has taken in and the digest it wrote."""

    __tablename__ = "digest_live_states"

    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"), primary_key=True)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id", ondelete="SET NULL"))
    last_opinion_id: Mapped[int] = mapped_column(default=0)
    opinion_count: Mapped[int] = mapped_column(default=0)  # rows in digest_live_opinions
    params: Mapped[str] = mapped_column(String(64), default="")  # threshold/ngram/perms/seed it was built with
    stale: Mapped[bool] = mapped_column(default=False)  # the next run starts again from nothing
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LiveOpinion(db.Model):
    """An opinion as the live digest took it in. The excerpt, section and withheld flag are kept so
    that a later moderation edit is seen (and the state rebuilt)."""

    __tablename__ = "digest_live_opinions"
    __table_args__ = (Index("ix_digest_live_opinions_period_text", "period_id", "text_id"),)

    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"))
    # The first opinion with the same matching text (a LiveText); None when withheld or empty.
    text_id: Mapped[int | None] = mapped_column()
    section_id: Mapped[int | None] = mapped_column()
    withheld: Mapped[bool] = mapped_column(default=False)
    excerpt: Mapped[str] = mapped_column(Text)


class LiveText(db.Model):
    """One distinct matching text, named by its first opinion: its signature and its group."""

    __tablename__ = "digest_live_texts"
    __table_args__ = (Index("ix_digest_live_texts_period_key", "period_id", "key_hash"),
                      Index("ix_digest_live_texts_period_component", "period_id", "component"))

    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(32))  # blake2b-128 of normalize_for_match(text), hex
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # uint32 little-endian, one per permutation
    component: Mapped[int] = mapped_column()  # the smallest text id of its group


class LiveBand(db.Model):
    """A text's LSH bucket in one band: texts sharing (band, key) are candidate near-duplicates.

    The primary key is the lookup, (period, band, key), and it ends with the text, so a bucket's
    first and last text are read from the index alone. There is no foreign key to the text: a state
    of 100,000 opinions is about a million of these rows, each checked otherwise (rows go with their
    period, and ``live.clear`` deletes them with the texts)."""

    __tablename__ = "digest_live_bands"

    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the 64-bit band key, as a signed integer
    opinion_id: Mapped[int] = mapped_column(primary_key=True)  # the LiveText


class LiveWord(db.Model):
    """Running keyword count: opinions of a section (0: none) using a word, as the digest counts them."""

    __tablename__ = "digest_live_words"

    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="CASCADE"), primary_key=True)
    section_key: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(Text, primary_key=True)
    count: Mapped[int] = mapped_column()
