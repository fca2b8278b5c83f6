"""The core's recurring work, which belongs to no feature: the outbox drain and the nightly purge
of personal data past its retention period. The jobs themselves live beside what they keep."""

from app.core.jobs import Recurring, drain_outbox
from app.core.retention import run_purge

SCHEDULE = [
    # Jobs whose enqueue failed (Redis down) or whose RQ job was lost go out within a minute.
    Recurring(drain_outbox, interval=60),
    # Personal data past the city's retention period (app.core.retention), every night.
    Recurring(run_purge, cron="15 3 * * *"),
]
