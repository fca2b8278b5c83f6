"""The workshop digest: what the groups wrote, what they voted for, and who came.

A workshop holds tens or hundreds of notes, so the digest is computed when the page is opened and is
always current; the period digest, which may read a hundred thousand opinions, is built by a job.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.digests.keywords import count_keywords_by_key, overall_keywords, top_keywords
from app.extensions import db
from app.workshops.models import Registration, Workshop, WorkshopGroup, WorkshopNote

TOP_IDEAS = 10


@dataclass
class GroupDigest:
    name: str
    notes_by_kind: dict[str, int]
    total: int


@dataclass
class WorkshopDigest:
    kinds: list[str]
    groups: list[GroupDigest]
    top_notes: list[tuple[str, str, str, int]]  # group, kind, text, votes
    signed_up: int  # people in confirmed registrations (party sizes counted)
    waitlisted: int
    attended: int  # people checked in, walk-ins included
    walk_ins: int
    keywords_by_kind: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    keywords: list[tuple[str, int]] = field(default_factory=list)

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.signed_up if self.signed_up else None


def build_workshop_digest(workshop: Workshop) -> WorkshopDigest:
    notes = db.session.execute(
        select(WorkshopGroup.name, WorkshopGroup.position, WorkshopNote.kind, WorkshopNote.text, WorkshopNote.votes)
        .join(WorkshopNote, WorkshopNote.group_id == WorkshopGroup.id)
        .where(WorkshopGroup.workshop_id == workshop.id)
    ).all()
    group_names = list(db.session.scalars(
        select(WorkshopGroup.name).where(WorkshopGroup.workshop_id == workshop.id).order_by(WorkshopGroup.position)
    ))
    per_group: dict[str, Counter[str]] = defaultdict(Counter)
    texts_by_kind: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for note in notes:
        per_group[note.name][note.kind] += 1
        # A note's votes say how many people stood behind it; count it once more than its votes.
        texts_by_kind[note.kind].append((note.text, 1 + note.votes))
    kinds = list(dict.fromkeys([*workshop.note_kinds, *(note.kind for note in notes)]))
    top = sorted(notes, key=lambda note: (-note.votes, note.position, note.text))[:TOP_IDEAS]
    counts = count_keywords_by_key(texts_by_kind)
    people = dict(db.session.execute(
        select(Registration.status, func.coalesce(func.sum(Registration.party_size), 0))
        .where(Registration.workshop_id == workshop.id, Registration.walk_in.is_(False))
        .group_by(Registration.status)
    ).all())
    attended, walk_ins = db.session.execute(
        select(func.coalesce(func.sum(Registration.party_size), 0),
               func.coalesce(func.sum(Registration.party_size).filter(Registration.walk_in.is_(True)), 0))
        .where(Registration.workshop_id == workshop.id, Registration.attended_at.is_not(None))
    ).one()
    return WorkshopDigest(
        kinds=kinds,
        groups=[GroupDigest(name, dict(per_group[name]), sum(per_group[name].values())) for name in group_names],
        top_notes=[(note.name, note.kind, note.text, note.votes) for note in top],
        signed_up=int(people.get("confirmed", 0)), waitlisted=int(people.get("waitlisted", 0)),
        attended=int(attended), walk_ins=int(walk_ins),
        keywords_by_kind={kind: top_keywords(counter, 10) for kind, counter in counts.items()},
        keywords=overall_keywords(counts, 20),
    )
