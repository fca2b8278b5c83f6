"""The print kit job: takes a run id, reloads the period and is safe to run twice (a finished run is
not redone; a new run writes new files)."""

import secrets

from flask_babel import force_locale
from sqlalchemy import select

from app.core import runs
from app.core.jobs import job
from app.core.models import JobRun
from app.extensions import db
from app.jobs.services import exports_folder
from app.periods.models import CommentPeriod
from app.printkit.content import gather
from app.printkit.largeprint import write_large_print
from app.printkit.paper import write_opinion_form, write_poster
from app.printkit.sources import text_version

KIT = "print_kit"
PDF_MIMETYPE = "application/pdf"
# The documents of a kit, in the order staff see them; the first two are blank forms the public may have.
DOCS = ("form", "poster", "large_print")
PUBLIC_DOCS = ("form", "poster")


@job("low")
def build_print_kit(run_id: int) -> None:
    """The opinion form, the poster and, when the plan has a published text, its large-print copy,
    written in Japanese (the viewing places' language) whoever asked. Nothing a submitter sent is read."""
    run = runs.begin(run_id)
    if run is None:
        return
    period = db.session.get(CommentPeriod, run.subject_id) if run.subject_id is not None else None
    if period is None:
        runs.fail(run, "period_deleted")
        return
    token = secrets.token_hex(8)
    written = []

    def cleanup() -> None:
        for stored in written:
            (exports_folder() / stored).unlink(missing_ok=True)

    files, version = [], text_version(period.plan)
    with runs.failing(run, cleanup=cleanup), force_locale("ja"):
        kit = gather(period)
        stamp = f"run{run.id}"  # one build, one set of names (the download names its file itself)
        plan = [("form", write_opinion_form, f"opinion-form-{kit.form_id}.pdf", "printkit.form"),
                ("poster", write_poster, f"poster-period{period.id}-{stamp}.pdf", "printkit.poster")]
        if version is not None:
            plan.append(("large_print", lambda kit, path: write_large_print(kit, version, path),
                         f"large-print-period{period.id}-{stamp}.pdf", "printkit.large_print"))
        for index, (doc, write, name, step) in enumerate(plan):
            runs.progress(run, index * 100 // len(plan), step)
            stored = f"{run.id}-{token}-{doc}.pdf"
            written.append(stored)
            write(kit, exports_folder() / stored)
            files.append({"doc": doc, "name": name, "stored": stored, "type": PDF_MIMETYPE,
                          "size": (exports_folder() / stored).stat().st_size})
    runs.finish(run, {"files": files, "form_id": kit.form_id, "deadline": kit.deadline,
                      "stage": version.stage if version is not None else ""})
    _remove_older_kits(run)


def _remove_older_kits(run: JobRun) -> None:
    """Only the newest kit of a period is served: the files of earlier ones go (their rows stay)."""
    older = db.session.scalars(select(JobRun).where(JobRun.kind == KIT, JobRun.subject_type == run.subject_type,
                                                    JobRun.subject_id == run.subject_id, JobRun.id < run.id,
                                                    JobRun.state == "done"))
    for previous in older:
        for entry in (previous.result or {}).get("files", []):
            (exports_folder() / entry["stored"]).unlink(missing_ok=True)
