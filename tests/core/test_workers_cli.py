"""``python -m workers``: which worker it builds from its options."""

import workers.__main__ as cli


def run(monkeypatch, argv):
    seen = {}

    class FakeWorker:
        def work(self, **options):
            seen["work"] = options

    def build(app, queues, fork=True):
        seen.update(queues=queues, fork=fork)
        return FakeWorker()

    monkeypatch.setattr(cli, "build_worker", build)
    monkeypatch.setattr(cli, "create_app", object)
    cli.main(argv)
    return seen


def test_no_fork_runs_jobs_in_the_worker_process(monkeypatch):
    assert run(monkeypatch, ["--no-fork", "high", "default"]) == {
        "queues": ["high", "default"], "fork": False, "work": {"with_scheduler": True}}


def test_by_default_each_job_gets_a_forked_work_horse_on_every_queue(monkeypatch):
    seen = run(monkeypatch, [])
    assert seen["fork"] is True and seen["queues"] == ["high", "default", "low"]
