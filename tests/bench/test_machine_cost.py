"""The machine-cost benchmark's reading of /proc: a process's ticks, and a tree's sum."""

import os

from bench.machine_cost import _short, _stat, _tree
from bench.stack import ROOT


def test_a_process_stat_gives_its_command_parent_and_ticks():
    command, parent, ticks = _stat(os.getpid())
    assert command.startswith(("python", "pytest"))
    assert parent == os.getppid()
    busy = sum(range(2_000_000))  # some CPU of its own, so that the count moves
    assert busy and _stat(os.getpid())[2] >= ticks


def test_a_tree_sums_its_root_and_everything_below_and_nothing_else():
    processes = {1: ("init", 0, 100), 10: ("gunicorn", 1, 5), 11: ("gunicorn", 10, 7), 12: ("gunicorn", 10, 3),
                 13: ("python", 11, 2), 20: ("postgres", 1, 50)}
    assert _tree(processes, [10]) == 5 + 7 + 3 + 2
    assert _tree(processes, [11, 20]) == 7 + 2 + 50
    assert _tree(processes, [99]) == 0  # a process that ended counts nothing


def test_a_gone_process_reads_as_none():
    assert _stat(2 ** 22 + 12345) is None


def test_frames_are_shortened_to_function_and_module():
    frame = f"send ({ROOT}/app/submissions/views.py:120)"
    assert _short(frame) == "send (app/submissions/views.py)"
    assert _short("execute (/x/.venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py:2283)") == \
        "execute (sqlalchemy/orm/session.py)"
