"""Jobs by reference: ``@job("queue")`` names the queue where the job is defined, callers write
``func.delay(...)`` or pass the function to ``start_run``, and the recurring schedule lists functions
that the scheduler gathers from the features."""

import ast
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import fakeredis
import pytest
from sqlalchemy import func, select

from app import FEATURES
from app.core import signals
from app.core.jobs import JobFunction, Recurring, dispatch, job, resolve
from app.core.models import JobRun, OutboxJob
from app.core.runs import start_run
from app.core.timeutil import utcnow
from app.extensions import db
from app.jobs.services import retry_run
from app.responses.tasks import export_staff
from tests.jobs.tasks import CALLS, remember
from workers import schedule

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _forget_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def _outbox_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxJob))


# --- @job and .delay ------------------------------------------------------------------------


def test_delay_writes_one_outbox_row_on_the_jobs_queue_and_runs_only_after_commit(ctx, run_jobs):
    row = remember.delay(7, "七", {"ids": [1, 2]})
    assert db.session.scalars(select(OutboxJob)).one() is row
    assert (row.func, row.queue, row.state) == ("tests.jobs.tasks.remember", "low", "pending")
    assert dispatch() == 0  # the transaction is still open: nothing leaves
    run_jobs()
    assert CALLS == []
    db.session.commit()
    assert dispatch() == 1
    run_jobs()
    assert CALLS == [[7, "七", {"ids": [1, 2]}]]  # as stored in JSON and read back
    db.session.expire_all()
    assert db.session.get(OutboxJob, row.id).state == "done"


def test_a_rolled_back_delay_enqueues_and_runs_nothing(ctx, run_jobs):
    remember.delay(1)
    db.session.rollback()
    assert dispatch() == 0
    run_jobs()
    assert CALLS == [] and _outbox_rows() == 0


def test_a_job_called_directly_runs_now_and_writes_no_row(ctx):
    remember("now")
    assert CALLS == [["now"]] and _outbox_rows() == 0
    assert remember.__doc__.startswith("Notes its arguments") and remember.__name__ == "remember"


def test_delay_refuses_arguments_that_are_not_json_before_writing_anything(ctx):
    with pytest.raises(TypeError, match="JSON"):
        remember.delay(utcnow())
    assert _outbox_rows() == 0


def test_a_job_needs_a_known_queue_and_a_module_level_function():
    with pytest.raises(ValueError, match="urgent"):
        job("urgent")(remember.func)

    def local():
        return None

    with pytest.raises(ValueError, match="module-level"):
        job("low")(local)


def _job_functions():
    """Every job declared in app/: the tasks module of each feature, and the core's jobs."""
    modules = ["app.core.jobs", "app.core.mail", "app.core.retention"]
    modules += [f"app.{feature}.tasks" for feature in FEATURES if find_spec(f"app.{feature}.tasks")]
    for name in modules:
        for value in vars(import_module(name)).values():
            if isinstance(value, JobFunction) and value.func.__module__ == name:
                yield value


def test_every_job_is_found_again_by_the_path_its_outbox_rows_store():
    found = list(_job_functions())
    assert {f.path for f in found} >= {
        "app.core.mail.send_email", "app.digests.tasks.build_period_digest", "app.digests.tasks.export_digest_csv",
        "app.responses.tasks.export_result", "app.responses.tasks.export_staff",
        "app.responses.tasks.notify_submitter_outcome", "app.submissions.tasks.import_submissions",
        "app.workshops.tasks.send_registration_email"}
    for function in found:
        assert resolve(function.path) is function


# --- runs -----------------------------------------------------------------------------------


def test_start_run_takes_the_job_and_its_queue_from_the_definition(ctx):
    run = start_run("test_run", remember, subject_type="period", subject_id=3)
    row = db.session.scalars(select(OutboxJob)).one()
    assert run.func == "tests.jobs.tasks.remember"
    assert (row.func, row.queue, row.args) == ("tests.jobs.tasks.remember", "low", [run.id])
    with pytest.raises(TypeError, match="@job"):
        start_run("test_run", "tests.jobs.tasks.remember", subject_type="period", subject_id=4)


def test_a_retried_run_goes_to_its_jobs_own_queue(ctx):
    failed = JobRun(kind="result_staff_export", func=export_staff.path, subject_type="period", subject_id=9,
                    state="failed", error="boom", finished_at=utcnow())
    db.session.add(failed)
    db.session.flush()
    new = retry_run(failed, actor=None)
    assert new.id != failed.id and new.func == "app.responses.tasks.export_staff"
    assert db.session.scalars(select(OutboxJob.queue)).one() == "default"


# --- the schedule ---------------------------------------------------------------------------

EXPECTED_SCHEDULE = {
    "app.core.jobs.drain_outbox", "app.core.retention.run_purge",
    "app.digests.tasks.request_digests_of_closed_periods", "app.digests.tasks.update_live_digests",
    "app.moderation.tasks.index_new", "app.moderation.tasks.send_daily_digest",
    "app.workshops.tasks.send_reminders", "app.workshops.tasks.purge_accommodation_data",
    "app.surveys.tasks.blur_code_writes", "app.surveys.tasks.screen_active_surveys",
    "app.follow.tasks.queue_digests", "app.follow.tasks.purge_unconfirmed_followers",
}


def test_the_schedule_is_gathered_from_every_feature(app):
    entries = schedule.collect(app)
    assert {entry.func.path for entry in entries} == EXPECTED_SCHEDULE
    assert {entry.name for entry in entries} == EXPECTED_SCHEDULE  # the scheduler's ids, as before
    queues = {entry.name: entry.queue for entry in entries}
    assert queues["app.core.jobs.drain_outbox"] == "high" and queues["app.core.retention.run_purge"] == "low"


def test_every_tasks_schedule_is_connected_to_the_scheduler(app):
    """A feature that declares ``tasks.SCHEDULE`` but forgets ``signals.recurring_jobs`` fails here."""
    collected = schedule.collect(app)
    for name in ["app.core.tasks"] + [f"app.{feature}.tasks" for feature in FEATURES]:
        if find_spec(name) is None:
            continue
        for entry in getattr(import_module(name), "SCHEDULE", []):
            assert entry in collected, f"{name}.SCHEDULE is not connected to signals.recurring_jobs"


def nightly_feature_schedule(_app) -> list:
    return [Recurring(remember, cron="0 4 * * *", args=("tick",))]


def test_a_new_features_schedule_is_picked_up_without_a_change_to_workers(app):
    signals.recurring_jobs.connect(nightly_feature_schedule)
    try:
        entries = schedule.collect(app)
    finally:
        signals.recurring_jobs.disconnect(nightly_feature_schedule)
    assert entries[-1] == Recurring(remember, cron="0 4 * * *", args=("tick",))
    assert {entry.name for entry in entries} == EXPECTED_SCHEDULE | {"tests.jobs.tasks.remember"}


def test_a_schedule_lists_recurring_functions_not_paths_or_dicts(app):
    with pytest.raises(TypeError, match="@job"):
        Recurring("app.core.jobs.drain_outbox", interval=60)
    with pytest.raises(TypeError, match="@job"):
        Recurring(remember.func, interval=60)
    with pytest.raises(ValueError, match="cron or interval"):
        Recurring(remember)
    with pytest.raises(ValueError, match="cron or interval"):
        Recurring(remember, cron="* * * * *", interval=60)

    def old_style(_app):
        return [{"func": "tests.jobs.tasks.remember", "cron": "0 4 * * *"}]

    signals.recurring_jobs.connect(old_style)
    try:
        with pytest.raises(TypeError, match="Recurring"):
            schedule.collect(app)
    finally:
        signals.recurring_jobs.disconnect(old_style)


def test_a_job_scheduled_twice_is_refused(app):
    def twice(_app):
        return [Recurring(remember, interval=60)]

    def again(_app):
        return [Recurring(remember, cron="0 4 * * *")]

    signals.recurring_jobs.connect(twice)
    signals.recurring_jobs.connect(again)
    try:
        with pytest.raises(ValueError, match="declared twice: tests.jobs.tasks.remember"):
            schedule.collect(app)
    finally:
        signals.recurring_jobs.disconnect(twice)
        signals.recurring_jobs.disconnect(again)


def test_a_scheduler_tick_runs_the_job_by_its_path_on_its_queue(app, ctx):
    scheduler = schedule.AppCronScheduler(connection=fakeredis.FakeRedis())
    cron_job = scheduler.add(Recurring(remember, interval=60, args=("tick",)))
    assert (cron_job.name, cron_job.queue_name) == ("tests.jobs.tasks.remember", "low")
    assert cron_job.args == ("tests.jobs.tasks.remember", "tick")  # JSON in Redis: the path, not the function
    schedule.run_recurring(*cron_job.args)
    assert CALLS == [["tick"]]


# --- no dotted strings ----------------------------------------------------------------------

JOBS_MODULE = Path("app/core/jobs.py")


def dotted_job_calls(source: str, filename: str) -> list[str]:
    """Where ``source`` names a job by a string: any ``request_job`` call outside the outbox itself
    (features call ``func.delay``), a string given to ``start_run`` as its job, or to ``Recurring``."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        given = {keyword.arg: keyword.value for keyword in node.keywords}
        if name == "request_job" and Path(filename) != JOBS_MODULE:
            found.append(f"{filename}:{node.lineno}: request_job(...); call the job's .delay(...)")
        elif name == "start_run":
            target = node.args[1] if len(node.args) > 1 else given.get("func")
            if isinstance(target, ast.Constant | ast.JoinedStr | ast.BinOp):
                found.append(f"{filename}:{node.lineno}: start_run with a dotted string; pass the @job function")
        elif name == "Recurring":
            target = node.args[0] if node.args else given.get("func")
            if isinstance(target, ast.Constant | ast.JoinedStr | ast.BinOp):
                found.append(f"{filename}:{node.lineno}: Recurring of a string; list the @job function")
    return found


def test_the_check_finds_jobs_named_by_strings():
    source = '\n'.join([
        'request_job("app.core.mail.send_email", "a@example.jp")',
        'start_run("digest", "app.digests.tasks.build_period_digest", subject_id=1)',
        'runs.start_run("import", func=f"app.{name}.tasks.import_submissions")',
        'Recurring("app.core.jobs.drain_outbox", interval=60)',
        'start_run("digest", build_period_digest, subject_id=1)',
        'send_email.delay("a@example.jp")',
    ])
    assert [line.split(":")[1] for line in dotted_job_calls(source, "app/x/services.py")] == ["1", "2", "3", "4"]


def test_no_module_in_app_names_a_job_by_a_dotted_string():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        found += dotted_job_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []
