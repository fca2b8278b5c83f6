"""やさしい日本語 summaries of a comment period, a workshop and a period's result: staff write them on a page
of their own (linked from each staff page), the public page shows them in a labelled box. Flush only."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.auth import load_permitted
from app.extensions import db
from app.periods.models import CommentPeriod
from app.reading.models import EasySummary
from app.workshops.models import Workshop


@dataclass(frozen=True)
class Kind:
    model: type
    label: object  # lazy text
    staff_endpoint: str
    public_endpoint: str
    id_argument: str

    def load(self, subject_id: int):
        """The subject for the staff member asking: 404 when there is none, 403 when they may not edit it."""
        return load_permitted(self.model, subject_id, self.model.can_edit)

    def staff_url(self, subject_id: int) -> str:
        return url_for(self.staff_endpoint, **{self.id_argument: subject_id})

    def public_url(self, subject_id: int) -> str:
        return url_for(self.public_endpoint, **{self.id_argument: subject_id})


# A result is its period's: its summary is kept under the period's id, edited by who may edit the period.
KINDS = {
    "period": Kind(CommentPeriod, _l("Comment period"), "periods.edit", "periods.show", "period_id"),
    "workshop": Kind(Workshop, _l("Workshop"), "workshop_staff.manage", "workshops.show", "workshop_id"),
    "result": Kind(CommentPeriod, _l("Result"), "results.manage", "results.show", "period_id"),
}


def summary_text(kind: str, subject_id: int) -> str:
    return db.session.scalar(select(EasySummary.text).where(EasySummary.kind == kind,
                                                            EasySummary.subject_id == subject_id)) or ""


def paragraphs(kind: str, subject_id: int) -> list[str]:
    """Template global ``easy_summary(kind, id)``: the summary's paragraphs, none when there is none."""
    return [line.strip() for line in summary_text(kind, subject_id).splitlines() if line.strip()]


def save_summary(kind: str, subject_id: int, text: str, *, actor) -> EasySummary | None:
    """Keep the summary as written (the checker only warns); an empty one removes it from the public page."""
    text = "\n".join(line.rstrip() for line in (text or "").strip().splitlines())
    row = db.session.scalar(select(EasySummary).where(EasySummary.kind == kind, EasySummary.subject_id == subject_id))
    if not text:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
            record_audit("easy_summary.delete", None, actor=actor, details={"kind": kind, "subject_id": subject_id})
        return None
    if row is None:
        row = EasySummary(kind=kind, subject_id=subject_id, text=text)
        db.session.add(row)
    else:
        row.text = text
    db.session.flush()
    record_audit("easy_summary.save", row, actor=actor, details={"kind": kind, "subject_id": subject_id})
    return row
