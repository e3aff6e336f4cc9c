"""What every background worker (relay, consumer, scheduler) shares: how it runs as
its own process until told to stop, how it waits, and how it backs off.

A worker is `async def worker(resources, stop)`: it returns once `stop` is set. In its
own process (`seatgate relay|consume|scheduler`, started by `commands.add_worker_command`)
SIGTERM and SIGINT set `stop`; beside the API (`workers.py`) the API's shutdown does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from seatgate.observability.exposition import PoolGauges
from seatgate.resources import Resources
from seatgate.settings import Settings

log = logging.getLogger("seatgate.workers")

Worker = Callable[[Resources, asyncio.Event], Awaitable[None]]
# One round of a loop; returns how long to wait before the next one.
Round = Callable[[], Awaitable[float]]


@dataclass(frozen=True)
class Job:
    """A periodic job: `run` does one bounded batch of work and returns how many items it
    handled. Defined here, not in the scheduler, so that whoever offers a job need not
    import the scheduler that runs it."""

    name: str
    interval_seconds: float
    run: Callable[[Resources], Awaitable[int]]


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds`, or less if `stop` is set meanwhile; True when stopping."""
    if seconds > 0 and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


class Backoff:
    """Delays that double from `first` up to `most` while failures repeat."""

    def __init__(self, first: float, most: float) -> None:
        self.first = first
        self.most = most
        self.attempts = 0  # failures since the last reset
        self._delay = 0.0

    def next(self) -> float:
        self.attempts += 1
        self._delay = min(self.most, max(self.first, self._delay * 2))
        return self._delay

    def reset(self) -> None:
        self.attempts = 0
        self._delay = 0.0


async def repeat(
    stop: asyncio.Event,
    one_round: Round,
    *,
    backoff: Backoff,
    on_error: Callable[[Exception, float], None],
) -> None:
    """Run `one_round` until `stop`, waiting what it returns between rounds. A round that
    raises is reported to `on_error` with the delay before the next try."""
    while not stop.is_set():
        try:
            delay = await one_round()
            backoff.reset()
        except Exception as error:
            delay = backoff.next()
            on_error(error, delay)
        await sleep_or_stop(stop, delay)


async def until_stopped(settings: Settings, worker: Worker, name: str) -> None:
    """Run `worker` in this process, with resources of its own, until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    resources = await Resources.open(settings)
    pool_gauges = PoolGauges(resources.pool)
    pool_gauges.start()
    log.info("worker started", extra={"worker": name})
    try:
        await worker(resources, stop)
    finally:
        await pool_gauges.stop()
        await resources.close()
        log.info("worker stopped", extra={"worker": name})
