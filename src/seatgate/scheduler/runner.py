"""The scheduler loop: while leader, run each periodic job at its own interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from seatgate.resources import Resources
from seatgate.scheduler.leader import Leadership

log = logging.getLogger("seatgate.scheduler")


@dataclass(frozen=True)
class Job:
    """`run` does one bounded batch of work and returns how many items it handled."""

    name: str
    interval_seconds: float
    run: Callable[[Resources], Awaitable[int]]


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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.scheduler_tick_seconds)
    finally:
        await leader.close()
