"""The print kit of a period: asking for it, finding its files, and the form id lookup. Flush only."""

from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.models import JobRun
from app.core.runs import latest_run, run_subject, start_run
from app.extensions import db
from app.jobs.services import exports_folder
from app.periods.models import CommentPeriod
from app.printkit.formid import FormIdError, parse_form_id
from app.printkit.tasks import KIT, build_print_kit

# The public may print the blank form while it can still be sent: before and during the period.
PUBLIC_STATES = ("scheduled", "open")


class PrintKitError(DomainError):
    def describe(self) -> str:
        return _("A withdrawn comment period has no print kit.")


def request_kit(period: CommentPeriod, *, actor) -> JobRun:
    """Ask a worker for the kit; asking again while one is being built gives that one."""
    if period.status == "withdrawn":
        raise PrintKitError("withdrawn")
    run = start_run(KIT, build_print_kit, **run_subject(period), actor=actor)
    record_audit("period.print_kit", period, actor=actor, details={"run": run.id})
    return run


@dataclass
class KitFile:
    doc: str
    name: str
    path: Path
    size: int


def kit_files(run: JobRun | None) -> dict[str, KitFile]:
    """{doc: file} of a finished kit run whose files are still on disk."""
    if run is None or run.state != "done":
        return {}
    found = {}
    for entry in (run.result or {}).get("files", []):
        path = exports_folder() / entry["stored"]
        if path.is_file():
            found[entry["doc"]] = KitFile(entry["doc"], entry["name"], path, entry.get("size", 0))
    return found


def latest_kit(period: CommentPeriod) -> JobRun | None:
    return latest_run(KIT, period, done=True)


def is_stale(period: CommentPeriod, run: JobRun | None) -> bool:
    """The period was edited after the kit was built: its dates or addresses may have changed."""
    return run is not None and run.finished_at is not None and period.updated_at > run.finished_at


def period_for_form_id(text: str, user) -> CommentPeriod:
    """The period a paper form belongs to, when ``user`` may enter its submissions."""
    period = db.session.get(CommentPeriod, parse_form_id(text))
    if period is None or not period.can_edit(user):
        raise FormIdError("unknown", "form_id", value=(text or "").strip()[:40])
    return period
