"""Which closed-loop rounds of ``bench.load``'s ceiling count towards its ratios, and what a surge reports."""

from types import SimpleNamespace

import pytest

from bench import load
from bench.load import (
    MOST_IDLE,
    bracketing_maximum,
    goodput_verdict,
    over,
    paired_ratios,
    print_shed_waits,
    rate_with_later_work,
    refusal,
)
from bench.loadgen import Recorder


def test_a_round_that_kept_the_machine_busy_and_answered_counts():
    assert refusal(errors=0, done=5000, idle=0.04) is None
    assert refusal(errors=3, done=5000, idle=MOST_IDLE) is None  # a few errors in thousands, at the bound


def test_a_round_that_answered_with_errors_does_not_count():
    assert refusal(errors=6, done=5000, idle=0.02) == "errors"
    assert refusal(errors=1, done=0, idle=0.5) == "errors"


def test_a_round_that_left_the_machine_idle_does_not_count():
    """Once the insert's loop ran at 277/s with the machine 43 % idle, and the send's ratio read 0.85."""
    assert refusal(errors=0, done=4155, idle=0.43) == "the machine 43 % idle"
    assert refusal(errors=0, done=4155, idle=MOST_IDLE + 0.01) is not None


def test_each_round_is_paired_with_its_reference_and_a_round_that_does_not_count_drops_its_pair():
    assert paired_ratios([300.0, 330.0, None], [600.0, 500.0, 700.0]) == [0.5, 0.66]
    assert paired_ratios([300.0], [None]) == []


def test_a_send_round_counts_the_work_its_jobs_did_after_its_clock_stopped():
    # 1,200 sends in 5 s whose mails and index took 2 CPU seconds afterwards: on 2 cores, 6 s of the machine.
    assert rate_with_later_work(1200, 5.0, 2.0, cores=2) == 200.0
    assert rate_with_later_work(1200, 5.0, 0.0, cores=2) == 240.0


def test_the_surges_maximum_is_the_mean_of_the_loops_around_it_that_ran():
    assert bracketing_maximum(80.0, 100.0) == 90.0
    # A loop that completed nothing measured a failure: it neither halves the maximum nor doubles the goodput.
    assert bracketing_maximum(0.0, 100.0) == 100.0
    assert bracketing_maximum(80.0, 0.0) == 80.0
    assert bracketing_maximum(0.0, 0.0) == 0.0
    assert over(72.0, 90.0) == 0.8
    assert over(72.0, 0.0) != over(72.0, 0.0)  # nan: no maximum, no goodput (and no crash after the surge)


def test_the_surges_goodput_is_the_median_rounds_and_a_round_without_a_maximum_leaves_it_unmet():
    # Three rounds on a host whose speed moved between them: the median round is judged, not the luckiest.
    assert goodput_verdict([0.79, 0.90, 0.81], [0.02, 0.02, 0.03]) == (0.81, True)
    assert goodput_verdict([0.69, 0.90, 0.79], [0.02, 0.02, 0.03]) == (0.79, False)
    goodput, met = goodput_verdict([0.80, 0.84], [0.02, 0.02])  # two rounds: the mean of both
    assert goodput == pytest.approx(0.82) and met
    assert goodput_verdict([0.81], [0.02]) == (0.81, True)
    # Pages over a second at p95 in any round: not met, however many sends were accepted.
    assert goodput_verdict([0.85, 0.86, 0.87], [0.02, 1.20, 0.03]) == (0.86, False)
    # Both closed loops around a round failed (nan): that round has no goodput, and the target is not met.
    goodput, met = goodput_verdict([0.85, float("nan"), 0.87], [0.02, 0.02, 0.02])
    assert goodput != goodput and not met
    assert goodput_verdict([], [])[1] is False


def test_the_surge_tells_how_long_the_requests_turned_away_waited_for_their_busy_page(capsys):
    recorder = Recorder()
    recorder.shed_seconds["submit.confirm"] += [0.004, 0.006, 0.005, 1.010]  # three at once, one after its queue
    print_shed_waits(recorder)
    assert capsys.readouterr().out == ("  turned away (submit.confirm): the busy page after p50 5.0 ms, "
                                       "p95 1010.0 ms; 75% within 100 ms\n")


def test_the_ceiling_prints_each_rounds_own_rate_as_well_as_the_ratios(monkeypatch, capsys):
    """A ratio that fell round after round (0.58, 0.45, 0.39) said nothing of which side moved."""
    def row(rates):
        return {"per_s": max(r for r in rates if r), "in_round_per_s": 0.0, "after_s": 0.0, "p95": 0.002,
                "errors": 0, "cpu": "cores: -", "why": None, "valid": True, "per_round": rates}

    best = {"meyasu_pages": row([4000.0, 4500.0, 4600.0]), "ceiling_template": row([2500.0, 2600.0, 2550.0]),
            "meyasu_submissions": row([270.0, 268.0, None]), "ceiling_insert": row([464.0, 598.0, 682.0])}
    monkeypatch.setattr(load, "ceiling_phase", lambda *args: None)
    monkeypatch.setattr(load.loadgen, "run", lambda _coroutine: best)
    args = SimpleNamespace(ceiling_concurrency=3, quick=False, ceiling_seconds=15, ceiling_rounds=3)
    assert load.print_ceiling({}, args, stack=None)
    out = capsys.readouterr().out
    assert "each round over the round right after it: submissions 0.58, 0.45; page views 1.60, 1.73, 1.80" in out
    assert ("each round, a second: meyasu_pages 4000, 4500, 4600; ceiling_template 2500, 2600, 2550; "
            "meyasu_submissions 270, 268, -; ceiling_insert 464, 598, 682") in out
