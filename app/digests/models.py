"""A period's digest: counts, keywords and the groups of similar opinions a worker found.

One digest per period, replaced whole by each rebuild. Clusters and their members are rows, not a
JSON blob: a period of 100,000 opinions has tens of thousands of clustered opinions, and the page
lists clusters a page at a time and accepts one cluster's members by index, never loading them all.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
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
