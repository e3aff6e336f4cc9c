"""The periodic jobs the scheduler runs; each feature contributes its own."""

from __future__ import annotations

from seatgate.scheduler.runner import Job
from seatgate.settings import Settings


def scheduler_jobs(settings: Settings) -> list[Job]:
    del settings
    return []
