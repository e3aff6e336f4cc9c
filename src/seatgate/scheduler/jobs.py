"""The periodic jobs the scheduler runs; each feature contributes its own."""

from __future__ import annotations

from seatgate.queue import admission
from seatgate.scheduler.runner import Job
from seatgate.settings import Settings


def scheduler_jobs(settings: Settings) -> list[Job]:
    tick = settings.scheduler_tick_seconds
    return [
        # Expiry first: slots freed by expired ACTIVE tokens are admitted in the same tick.
        Job("queue-expiry", tick, admission.expire),
        Job("queue-admission", tick, admission.admit),
    ]
