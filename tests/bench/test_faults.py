"""bench.faults applies each fault or says it could not: the work horse is the worker's child in its
own process group (not its scheduler), and a fault that cannot be applied is recorded, not skipped."""

import os
import signal
import subprocess
import sys
import time

import pytest

from bench.faults import FaultNotApplied, Faults, gone, work_horse

# A parent with two children, as an RQ worker has: its scheduler (same process group) started first,
# and a work horse that calls os.setpgrp() as RQ's does; then a late scheduler-like child again, so
# that the youngest child is not the horse.
PARENT = r"""
import os, sys, time
def child(own_group):
    pid = os.fork()
    if pid == 0:
        if own_group:
            os.setpgrp()
        time.sleep(60)
        os._exit(0)
    return pid
first = child(False)
horse = child(True)
time.sleep(0.2)
late = child(False)
print(horse, flush=True)
time.sleep(60)
"""


class FakeStack:
    def __init__(self, pids=None, worker_pids=()):
        self.pids = pids or {}
        self.worker_pids = list(worker_pids)

    def pid(self, name):
        return self.pids[name]

    def alive(self, name):
        return name in self.pids

    def web_worker_pids(self, name="web"):
        return self.worker_pids


@pytest.fixture
def worker_with_a_horse():
    proc = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        horse = int(proc.stdout.readline())
        yield proc.pid, horse
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
        proc.wait(5)


def test_the_work_horse_is_the_child_in_its_own_process_group_not_the_youngest(worker_with_a_horse):
    worker, horse = worker_with_a_horse
    assert work_horse(FakeStack({"rq1": worker}), "rq1") == horse


def test_no_horse_while_the_worker_has_only_its_scheduler():
    proc = subprocess.Popen([sys.executable, "-c", "import os, time\nif os.fork() == 0:\n time.sleep(30)\n"
                             " os._exit(0)\ntime.sleep(30)"], start_new_session=True)
    try:
        time.sleep(0.3)
        assert work_horse(FakeStack({"rq1": proc.pid}), "rq1") is None
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def test_gone_sees_a_killed_process_go():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    proc.kill()
    proc.wait(5)
    assert gone(proc.pid, timeout=1)


def test_a_fault_that_cannot_be_applied_is_recorded_with_its_reason():
    faults = Faults(FakeStack(), digest_period=1, scale=0.01)
    faults.apply("gunicorn worker killed", faults.kill_web_worker)
    faults.apply("Redis stopped for 30 s", faults.stop_redis)
    assert faults.applied == {}
    assert faults.not_applied == {"gunicorn worker killed": "gunicorn has no worker process to kill",
                                  "Redis stopped for 30 s": "Redis was not running"}
    assert any("FAULT NOT APPLIED: gunicorn worker killed" in line for line in faults.events)
    assert not faults.digest_killed


def test_a_worker_that_exited_before_the_signal_is_a_fault_not_applied():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(5)
    faults = Faults(FakeStack(worker_pids=[proc.pid]), digest_period=1, scale=0.01)
    with pytest.raises(FaultNotApplied, match="had exited before the signal"):
        faults.kill_web_worker()


def test_the_workers_are_the_procfiles_so_the_outbox_is_drained_and_a_horse_forked():
    """With both workers forking, no drainer ran: the digest's outbox row waited for the scheduler's
    minute and the kill was never applied."""
    from pathlib import Path

    from bench.faults import WORKERS

    procfile = (Path(__file__).parents[2] / "Procfile").read_text().splitlines()
    workers = [line.split("python -m workers", 1)[1].split() for line in procfile
               if "python -m workers" in line and "--scheduler" not in line]
    assert sorted(WORKERS.values()) == sorted(workers)
    assert "--no-fork" in WORKERS["rq0"] and "high" in WORKERS["rq0"]
    assert "--no-fork" not in WORKERS["rq1"] and WORKERS["rq1"] == ["low"]
