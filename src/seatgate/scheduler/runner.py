"""The scheduler loop: while leader, run each periodic job at its own interval."""

from __future__ import annotations

import asyncio
import logging
import time

from seatgate.resources import Resources
from seatgate.scheduler.jobs import scheduler_jobs
from seatgate.scheduler.leader import Leadership
from seatgate.worker_runner import Job, sleep_or_stop

log = logging.getLogger("seatgate.scheduler")


async def run_scheduler_jobs(resources: Resources, stop: asyncio.Event) -> None:
    """The scheduler worker: every job of `scheduler_jobs`, one leader at a time."""
    jobs = scheduler_jobs(resources.settings)
    log.info("scheduler started", extra={"jobs": [job.name for job in jobs]})
    await run_scheduler(resources, jobs, stop)


async def run_scheduler(
    resources: Resources,
    jobs: list[Job],
    stop: asyncio.Event,
    *,
    leadership: Leadership | None = None,
) -> None:
    settings = resources.settings
    assert settings.database_url is not None
    leader = leadership or Leadership(
        settings.database_url, timeout=settings.connect_timeout_seconds
    )
    next_run = dict.fromkeys((job.name for job in jobs), 0.0)
    try:
        while not stop.is_set():
            if await leader.refresh():
                for job in jobs:
                    now = time.monotonic()
                    if now < next_run[job.name]:
                        continue
                    next_run[job.name] = now + job.interval_seconds
                    try:
                        await job.run(resources)
                    except Exception:
                        log.exception("scheduler job failed", extra={"job": job.name})
            await sleep_or_stop(stop, settings.scheduler_tick_seconds)
    finally:
        await leader.close()
