"""A run's work that raises: nothing it wrote stays, its half-written file goes, the run says why it
failed, and the exception still reaches the queue."""

import pytest
from sqlalchemy import func, select

from app.core import runs
from app.core.audit import record_audit
from app.core.models import AuditEntry, JobRun
from app.extensions import db


def test_work_that_raises_is_rolled_back_cleaned_up_and_ends_the_run_as_failed(ctx, tmp_path):
    run = JobRun(kind="test_run", func="tests.jobs.tasks.remember", subject_type="thing", subject_id=1)
    db.session.add(run)
    db.session.commit()
    run = runs.begin(run.id)
    half_written = tmp_path / "half.csv"
    with (pytest.raises(ValueError, match="broken"),
          runs.failing(run, cleanup=lambda: half_written.unlink(missing_ok=True))):
        half_written.write_text("group,kind\n")
        record_audit("test.written", run)
        db.session.flush()
        raise ValueError("broken")
    db.session.expire_all()
    assert (run.state, run.error) == ("failed", "ValueError: broken") and run.finished_at is not None
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "test.written")) == 0
    assert not half_written.exists()


def test_work_that_succeeds_leaves_the_run_to_its_job(ctx):
    run = JobRun(kind="test_run", func="tests.jobs.tasks.remember", subject_type="thing", subject_id=2)
    db.session.add(run)
    db.session.commit()
    run = runs.begin(run.id)
    with runs.failing(run, cleanup=lambda: pytest.fail("cleanup ran after success")):
        runs.progress(run, 50, "half")
    assert (run.state, run.progress) == ("running", 50)
