"""``bench.moderation_pages`` adds up the database backends' CPU across a request: a backend that ended
meanwhile took its CPU with it, and the sum came out below zero (-23,484 ms a request, printed as "CPU MET")."""

from bench.moderation_pages import BackendCPU


def _cpu() -> BackendCPU:
    cpu = object.__new__(BackendCPU)  # no database: only the arithmetic
    cpu.tick = 100
    return cpu


def test_the_backends_cpu_is_what_each_spent_and_a_new_one_counts_whole():
    assert _cpu().spent({10: 500, 11: 20}, {10: 530, 11: 20, 12: 5}) == 0.35


def test_a_backend_that_ended_leaves_the_figure_unknown_not_negative():
    assert _cpu().spent({10: 500, 11: 16_000}, {10: 530, 12: 5}) is None
