"""A job for the worker-death tests: it sends its email, then hangs on its first attempt so that the
test can kill the worker mid-job. The worker subprocess imports it by its dotted name."""

import os
import time
from pathlib import Path

from app.core.jobs import current_job_id, job
from app.core.mail import send_email
from app.core.models import OutboxJob
from app.extensions import db


@job("high")
def mail_then_hang(to: str, marker: str) -> None:
    send_email(to, "email/test.txt", "ja", {"note": "worker killed mid-job"})
    if db.session.get(OutboxJob, current_job_id()).attempts == 1:
        Path(marker).write_text(str(os.getpid()))  # the work horse's pid, for the test to kill
        time.sleep(120)


# What ``remember`` was called with, in this process (inline mode, or the in-process burst worker).
CALLS: list[list] = []


@job("low")
def remember(*values) -> None:
    """Notes its arguments: the tests of ``.delay`` and of the schedule look at them."""
    CALLS.append(list(values))
