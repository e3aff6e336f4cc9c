"""Background workers (scheduler, relay, consumer) run as tasks beside the API.

`seatgate dev` and `seatgate serve --with-workers` use this; in production each
runs as its own process through its own subcommand (`commands.add_worker_command`).
"""

from __future__ import annotations

import asyncio
import logging

from seatgate.messaging.consumer import run_consumers
from seatgate.messaging.relay import run_relay
from seatgate.resources import Resources
from seatgate.scheduler.runner import run_scheduler_jobs
from seatgate.worker_runner import Worker, sleep_or_stop

log = logging.getLogger("seatgate.workers")

RESTART_SECONDS = 1.0


def in_process_workers() -> dict[str, Worker]:
    return {"scheduler": run_scheduler_jobs, "relay": run_relay, "consumer": run_consumers}


class WorkerGroup:
    """Starts workers as tasks, restarts one that crashes, stops all on `stop()`."""

    def __init__(self, resources: Resources, workers: dict[str, Worker]) -> None:
        self._resources = resources
        self._workers = workers
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for name, worker in self._workers.items():
            self._tasks.append(asyncio.create_task(self._supervise(name, worker), name=name))

    async def _supervise(self, name: str, worker: Worker) -> None:
        while not self._stop.is_set():
            try:
                await worker(self._resources, self._stop)
            except Exception:
                log.exception("worker crashed; restarting", extra={"worker": name})
                await sleep_or_stop(self._stop, RESTART_SECONDS)

    async def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
