"""A plan's dashboard for its 事務局: what is waiting in each of its comment periods, workshops and
surveys, each figure a link to the page where that work is done.

Plans know none of those features: each answers ``signals.plan_work`` with its own figures, counted
by its own rules (a period's by ``app.moderation.counting``, the rule the published result uses).
Two features may speak of the same thing (moderation and responses both of a period): their groups
share a key and are shown as one.
"""

from dataclasses import dataclass, field
from datetime import datetime

from app.core import signals


@dataclass(frozen=True)
class WorkItem:
    """One figure: what it counts, the figure as shown, where the work is done, and whether work
    is waiting there (drawn first and marked)."""

    label: str
    value: str
    url: str
    waiting: bool = False


@dataclass
class WorkGroup:
    key: tuple
    kind: str
    title: str
    url: str
    starts_at: datetime
    items: list[WorkItem] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return sum(item.waiting for item in self.items)


def work_groups(plan, user) -> list[WorkGroup]:
    """Every feature's groups for this plan, those with the same key merged, earliest first."""
    merged: dict[tuple, WorkGroup] = {}
    for _receiver, found in signals.plan_work.send(plan, user=user):
        for group in found:
            if group.key in merged:
                merged[group.key].items.extend(group.items)
            else:
                merged[group.key] = group
    return sorted(merged.values(), key=lambda group: group.starts_at)
