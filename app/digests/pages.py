"""What the digest page shows beyond the stored digest: the chart's geometry and, for the clusters
on one page, a few members each and how many are still ungrouped, in two queries for the page."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func as sql
from sqlalchemy import select

from app.digests.models import DigestCluster, DigestClusterMember
from app.extensions import db
from app.moderation.models import Opinion

MEMBERS_SHOWN = 10
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM, CHART_TOP = 720, 240, 48, 28, 12


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    value: int
    tick: bool  # labelled on the axis


@dataclass
class DayChart:
    bars: list[Bar]
    peak: int
    total: int
    first: date | None
    last: date | None
    gridlines: list[tuple[float, int]] = field(default_factory=list)  # (y, value)
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = CHART_LEFT
    baseline: int = CHART_HEIGHT - CHART_BOTTOM


def day_chart(per_day: list[dict]) -> DayChart:
    """Bars of submissions per day, scaled to the busiest day; about seven dates labelled."""
    if not per_day:
        return DayChart(bars=[], peak=0, total=0, first=None, last=None)
    peak = max(row["submissions"] for row in per_day) or 1
    plot_width = CHART_WIDTH - CHART_LEFT - 8
    plot_height = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP
    slot = plot_width / len(per_day)
    every = max(1, round(len(per_day) / 7))
    bars = []
    for index, row in enumerate(per_day):
        height = plot_height * row["submissions"] / peak
        bars.append(Bar(x=round(CHART_LEFT + index * slot + slot * 0.1, 2),
                        y=round(CHART_HEIGHT - CHART_BOTTOM - height, 2),
                        width=round(max(slot * 0.8, 0.5), 2), height=round(height, 2),
                        day=date.fromisoformat(row["date"]), value=row["submissions"], tick=index % every == 0))
    # Four steps up to the busiest day, each a whole number of submissions and none twice (a peak of 2
    # gives 0, 1, 2, not 0, 0, 1, 2, 2).
    values = sorted({round(peak * step / 4) for step in range(0, 5)})
    gridlines = [(round(CHART_HEIGHT - CHART_BOTTOM - plot_height * value / peak, 2), value) for value in values]
    return DayChart(bars=bars, peak=peak, total=sum(row["submissions"] for row in per_day),
                    first=bars[0].day, last=bars[-1].day, gridlines=gridlines)


@dataclass
class ClusterView:
    cluster: DigestCluster
    members: list[tuple[int, str, str]]  # (opinion id, excerpt, addition)
    ungrouped: int


def cluster_views(clusters: list[DigestCluster], period_id: int) -> list[ClusterView]:
    """A few members per cluster (for a form letter, those who added words first) and the number
    still free to group."""
    ids = [cluster.id for cluster in clusters]
    if not ids:
        return []
    rank = sql.row_number().over(
        partition_by=DigestClusterMember.cluster_id,
        order_by=((DigestClusterMember.addition == ""), DigestClusterMember.opinion_id),
    ).label("rank")
    ranked = (
        select(DigestClusterMember.cluster_id, Opinion.id.label("opinion_id"), Opinion.excerpt,
               DigestClusterMember.addition, rank)
        .join(Opinion, Opinion.id == DigestClusterMember.opinion_id)
        .where(DigestClusterMember.cluster_id.in_(ids))
        .subquery()
    )
    members: dict[int, list[tuple[int, str, str]]] = {cluster_id: [] for cluster_id in ids}
    for cluster_id, opinion_id, excerpt, addition, _ in db.session.execute(
        select(ranked).where(ranked.c.rank <= MEMBERS_SHOWN).order_by(ranked.c.cluster_id, ranked.c.rank)
    ):
        members[cluster_id].append((opinion_id, excerpt, addition))
    free = dict(db.session.execute(
        select(DigestClusterMember.cluster_id, sql.count())
        .join(Opinion, Opinion.id == DigestClusterMember.opinion_id)
        .where(DigestClusterMember.cluster_id.in_(ids), Opinion.period_id == period_id,
               Opinion.group_id.is_(None), Opinion.state != "withheld")
        .group_by(DigestClusterMember.cluster_id)
    ).all())
    return [ClusterView(cluster, members[cluster.id], free.get(cluster.id, 0)) for cluster in clusters]
