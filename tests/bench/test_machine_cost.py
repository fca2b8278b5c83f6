"""The benchmarks' reading of /proc: a process's ticks, a tree's sum, the machine's states."""

import os
import time

from bench.machine_cost import _short
from bench.stack import ROOT, machine_shares, machine_ticks, process_stat, tree_ticks


def test_a_process_stat_gives_its_command_parent_and_ticks():
    command, parent, ticks = process_stat(os.getpid())
    assert command.startswith(("python", "pytest"))
    assert parent == os.getppid()
    busy = sum(range(2_000_000))  # some CPU of its own, so that the count moves
    assert busy and process_stat(os.getpid())[2] >= ticks


def test_a_tree_sums_its_root_and_everything_below_and_nothing_else():
    processes = {1: ("init", 0, 100), 10: ("gunicorn", 1, 5), 11: ("gunicorn", 10, 7), 12: ("gunicorn", 10, 3),
                 13: ("python", 11, 2), 20: ("postgres", 1, 50)}
    assert tree_ticks(processes, [10]) == 5 + 7 + 3 + 2
    assert tree_ticks(processes, [11, 20]) == 7 + 2 + 50
    assert tree_ticks(processes, [99]) == 0  # a process that ended counts nothing


def test_a_gone_process_reads_as_none():
    assert process_stat(2 ** 22 + 12345) is None


def test_frames_are_shortened_to_function_and_module():
    frame = f"send ({ROOT}/app/submissions/views.py:120)"
    assert _short(frame) == "send (app/submissions/views.py)"
    assert _short("execute (/x/.venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py:2283)") == \
        "execute (sqlalchemy/orm/session.py)"


def test_the_machines_ticks_move_and_their_shares_add_up_to_one():
    before = machine_ticks()
    assert set(before) == {"busy", "idle", "iowait", "steal"}
    busy = sum(range(5_000_000))
    after = machine_ticks()
    assert busy and after["busy"] >= before["busy"] and sum(after.values()) > sum(before.values())
    shares = machine_shares({"busy": 0, "idle": 0, "iowait": 0, "steal": 0},
                            {"busy": 30, "idle": 50, "iowait": 15, "steal": 5})
    assert shares == {"busy": 0.30, "idle": 0.50, "iowait": 0.15, "steal": 0.05}


def test_a_send_rounds_generator_counts_its_loop_not_the_wait_for_the_jobs():
    from bench.machine_cost import measured

    class Stack:
        def __init__(self):
            self.now = {"web": 10.0, "generator": 2.0}

        def cpu_seconds(self):
            return dict(self.now)

    stack = Stack()
    before, began = stack.cpu_seconds(), time.monotonic()
    stack.now = {"web": 12.0, "generator": 2.5}  # the loop: 2 s of the web, 0.5 s of the generator
    loop_ended = stack.cpu_seconds()["generator"]
    stack.now = {"web": 12.0, "generator": 3.5}  # then a second polling for the mails and the index
    idle = {"web": 0.0, "generator": 0.0}
    per_send = measured(stack, before, idle, began, 1000, generator_at=loop_ended)
    assert per_send == {"web": 2.0, "generator": 0.5}
    assert measured(stack, before, idle, began, 1000)["generator"] == 1.5


def test_postgresqls_cpu_is_split_by_the_backends_that_lived_through_the_round():
    from bench.machine_cost import by_client

    before = {10: ("meyasu-web", 1.0), 11: ("meyasu-web", 2.0), 12: ("meyasu-worker", 5.0), 13: ("meyasu-web", 9.0)}
    after = {10: ("meyasu-web", 1.5), 11: ("meyasu-web", 2.25), 12: ("meyasu-worker", 5.5),
             14: ("meyasu-drainer", 3.0),  # opened during the round: its CPU before the round is unknown
             }  # 13 closed during the round
    assert by_client(before, after, 1000) == {"meyasu-web": 0.75, "meyasu-worker": 0.5}
    # A pid the system gave again to a backend of another client is not that client's.
    assert by_client({10: ("meyasu-web", 1.0)}, {10: ("meyasu-worker", 4.0)}, 10) == {}
