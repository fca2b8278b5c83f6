"""Digest actions: asking for a rebuild or an export, and accepting a group of similar opinions.
Functions flush; the view commits."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.models import JobRun
from app.core.runs import run_subject, start_run
from app.digests.models import Digest, DigestCluster, DigestClusterMember
from app.digests.tasks import DIGEST, EXPORT, build_period_digest, export_digest_csv
from app.extensions import db
from app.moderation.models import Opinion, OpinionGroup
from app.periods.models import CommentPeriod
from app.responses.models import Response

GROUP_TITLE_MAX = 200


ERRORS = {
    "published": _l("The results of this period are published: its opinions can no longer be grouped."),
    "already_accepted": _l("This group has already been accepted."),
    "nothing_to_group": _l("Fewer than two of these opinions are still outside a group: there is nothing to group."),
}


class DigestError(DomainError):
    """A broken rule; ``code`` names which."""

    def __init__(self, code: str):
        super().__init__(code)

    def describe(self) -> str:
        return str(ERRORS.get(self.code) or super().describe())


def request_digest(period: CommentPeriod, *, actor) -> JobRun:
    """Ask a worker to rebuild the period's digest; while one is being built, that one is returned."""
    run = start_run(DIGEST, build_period_digest, **run_subject(period), actor=actor)
    record_audit("digest.request", period, actor=actor, details={"run": run.id})
    return run


def request_export(period: CommentPeriod, *, actor) -> JobRun:
    """Ask a worker for the digest's CSV; asking twice at once gives one run."""
    run = start_run(EXPORT, export_digest_csv, **run_subject(period), actor=actor)
    record_audit("digest.export", period, actor=actor, details={"run": run.id})
    return run


def digest_of(period: CommentPeriod) -> Digest | None:
    return db.session.scalar(select(Digest).where(Digest.period_id == period.id))


def clusters_query(digest: Digest):
    """The digest's clusters in their order, for a page of them."""
    return select(DigestCluster).where(DigestCluster.digest_id == digest.id).order_by(DigestCluster.position)


def cluster_of(period: CommentPeriod, cluster_id: int) -> DigestCluster | None:
    """A cluster of this period's digest; None for another period's or none at all."""
    cluster = db.session.get(DigestCluster, cluster_id)
    return cluster if cluster is not None and cluster.digest.period_id == period.id else None


def ungrouped_member_ids(cluster: DigestCluster, period_id: int) -> list[int]:
    """The cluster's opinions that can still join a group: of this period, in no group, not withheld,
    and not already answered on their own (moderation refuses to group those, for the same reason)."""
    answered_alone = select(Response.opinion_id).where(Response.opinion_id.is_not(None))
    return list(db.session.scalars(
        select(Opinion.id)
        .join(DigestClusterMember, DigestClusterMember.opinion_id == Opinion.id)
        .where(DigestClusterMember.cluster_id == cluster.id, Opinion.period_id == period_id,
               Opinion.group_id.is_(None), Opinion.state != "withheld", Opinion.id.not_in(answered_alone))
        .order_by(Opinion.id)
    ))


def accept_cluster(cluster: DigestCluster, *, actor, title: str = "") -> tuple[OpinionGroup, int]:
    """Make the cluster's ungrouped opinions one opinion group (one response will answer them all).
    Returns the group and how many opinions joined it.

    Refused once the period's results are published, for a cluster already accepted, and when fewer
    than two opinions are left to group (opinions in another group stay where they are).
    """
    period = cluster.digest.period
    if period.results_published_at is not None:
        raise DigestError("published")
    if cluster.accepted_group_id is not None:
        raise DigestError("already_accepted")
    ids = ungrouped_member_ids(cluster, period.id)
    if len(ids) < 2:
        raise DigestError("nothing_to_group")
    title = (title or cluster.template or cluster.sample).strip()
    group = OpinionGroup(period_id=period.id, title=title[:GROUP_TITLE_MAX], created_by_id=getattr(actor, "id", None))
    db.session.add(group)
    db.session.flush()
    db.session.execute(
        update(Opinion).where(Opinion.id.in_(ids), Opinion.group_id.is_(None)).values(group_id=group.id)
        .execution_options(synchronize_session=False)
    )
    cluster.accepted_group_id = group.id
    db.session.flush()
    record_audit("digest.accept_cluster", group, actor=actor,
                 details={"cluster": cluster.id, "kind": cluster.kind, "opinions": len(ids)})
    return group, len(ids)
