"""The outbox drainer: a thread of the worker process that hands new outbox rows to RQ.

With ``OUTBOX_DRAINER`` on (and Redis), a request that asks for a job only writes its outbox row;
on PostgreSQL the same statement notifies ``LISTEN meyasu_outbox``, so the drainer wakes as the
request commits. It also looks every ``wait`` seconds (and, on SQLite, every ``poll`` seconds), so a
lost notice delays a job, never loses it; ``drain_outbox`` every minute is still the safety net.
Several workers may each run one: a row is taken by one of them (``SELECT … FOR UPDATE SKIP LOCKED``).

Woken by a notice, it first waits ``gather`` seconds (``OUTBOX_GATHER_MS``, a second) for the rows that
other requests commit meanwhile, so that they go to RQ together (``OUTBOX_BATCH``): woken once per row, a
drainer handed every receipt mail over alone, and RQ's bookkeeping per job cost the workers more than
the mails. A mail leaves a second later; nobody waits for one at that scale. It does not listen while it
gathers: each send's notice, read only to be thrown away, cost the drainer 0.09 ms of CPU and PostgreSQL
0.06 ms, twice over with two workers (bench/README.md, twenty-ninth session). It listens again before it
drains, so a row committed at any instant is in that drain or wakes the next one.
"""

import logging
import threading
import time

from flask import Flask

from app.core.jobs import NOTIFY_CHANNEL, drain_new
from app.extensions import db

log = logging.getLogger(__name__)
BATCH = 200
# The listening connection's name in PostgreSQL; the drains themselves run on the worker's pool ("meyasu-worker").
DRAINER_NAME = "meyasu-drainer"


class Drainer(threading.Thread):
    def __init__(self, app: Flask, *, poll: float = 0.2, wait: float = 5.0, gather: float | None = None):
        super().__init__(name="outbox-drainer", daemon=True)
        self.app, self.poll, self.wait = app, poll, wait
        self.gather = app.config.get("OUTBOX_GATHER_MS", 1000) / 1000 if gather is None else gather
        self.stopping = threading.Event()
        self.drained = 0
        self.notices = 0  # notices read from the database

    def stop(self) -> None:
        self.stopping.set()

    def drain(self) -> int:
        """Every pending row, in batches; how many reached RQ."""
        total = 0
        with self.app.app_context():
            try:
                while not self.stopping.is_set():
                    handed = drain_new(BATCH)
                    total += handed
                    if handed < BATCH:
                        break
            finally:
                db.session.remove()
        self.drained += total
        return total

    def run(self) -> None:
        with self.app.app_context():
            url = db.engine.url
        while not self.stopping.is_set():
            try:
                if url.get_backend_name() == "postgresql":
                    self._listen(url)
                else:
                    self.drain()
                    self.stopping.wait(self.poll)
            except Exception:  # the database or Redis went away: try again shortly
                log.exception("outbox drainer")
                self.stopping.wait(1.0)

    def _listen(self, url) -> None:
        import psycopg

        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, application_name=DRAINER_NAME) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.drain()  # rows written before this connection listened
            last = time.monotonic()
            while not self.stopping.is_set():
                # Woken by a notice, or each second to see whether to stop or to look anyway.
                woken = any(True for _notice in conn.notifies(timeout=1.0, stop_after=1))
                if woken and self.gather > 0:
                    # Deaf while gathering: the rows committed meanwhile go in the drain below, which starts
                    # after listening again. The notices that came before UNLISTEN are read and dropped.
                    conn.execute(f"UNLISTEN {NOTIFY_CHANNEL}")
                    self.stopping.wait(self.gather)
                    self.notices += sum(1 for _notice in conn.notifies(timeout=0.001))
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                if woken:
                    self.notices += 1
                if woken or time.monotonic() - last >= self.wait:
                    self.drain()
                    last = time.monotonic()


def start_drainer(app: Flask) -> Drainer | None:
    """The drainer thread, started when the app leaves new rows to it (``jobs.drainer_mode``)."""
    from app.core.jobs import drainer_mode

    with app.app_context():
        if not drainer_mode():
            return None
    drainer = Drainer(app)
    drainer.start()
    return drainer
