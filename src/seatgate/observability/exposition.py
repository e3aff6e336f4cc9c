"""Serving the metrics so that one scrape sees the whole process group.

`seatgate serve --workers N` runs N uvicorn worker processes behind one port; a
scrape lands on one of them. prometheus-client's multiprocess mode makes every
worker write its samples to files in `PROMETHEUS_MULTIPROC_DIR`, and whichever
worker answers `/metrics` sums them all. The directory must be set before the
workers import prometheus-client (uvicorn spawns fresh interpreters) and must be
empty at start, or a previous run's counters would be added in.

The relay, consumer and scheduler are single processes: each serves its own
`/metrics` on a port of its own (`--metrics-port`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import asyncpg
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from seatgate.checks import broker_readiness, readiness
from seatgate.observability import metrics
from seatgate.resources import Resources

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PORT_ENV = "SEATGATE_METRICS_PORT"
# Defaults of the side processes; ops/prometheus/prometheus.yml scrapes these.
DEFAULT_METRICS_PORTS = {"relay": 9101, "consumer": 9102, "scheduler": 9103}

log = logging.getLogger("seatgate.metrics")


def prepare_multiprocess_dir() -> Path:
    """Called by the supervising process before it starts workers: an empty directory.

    An operator-given `PROMETHEUS_MULTIPROC_DIR` is emptied of samples; otherwise a
    fresh temporary directory is made (removed by `remove_multiprocess_dir`).
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="seatgate-metrics-"))
        os.environ[MULTIPROC_ENV] = str(path)
    return path


def remove_multiprocess_dir(path: Path) -> None:
    if path.name.startswith("seatgate-metrics-"):
        shutil.rmtree(path, ignore_errors=True)


def multiprocess_enabled() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def latest() -> bytes:
    """The exposition text: every worker's samples in multiprocess mode, else this process's."""
    if multiprocess_enabled():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def observe_pool(pool: asyncpg.Pool) -> None:
    """Set the pool gauges from asyncpg's own counters."""
    metrics.db_pool_size.set(pool.get_max_size())
    metrics.db_pool_in_use.set(pool.get_size() - pool.get_idle_size())


class PoolGauges:
    """Keeps `seatgate_db_pool_in_use/size` current while a process runs.

    A scrape refreshes the gauges of the worker that answers it, but in
    multiprocess mode the other workers' values come from their files, so each
    process also refreshes its own every `interval` seconds.
    """

    def __init__(self, pool: asyncpg.Pool, interval: float = 1.0) -> None:
        self._pool = pool
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        observe_pool(self._pool)
        self._task = asyncio.create_task(self._run(), name="pool-gauges")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            with contextlib.suppress(Exception):
                observe_pool(self._pool)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if multiprocess_enabled():
            # Drops this worker's live gauges from the sum; counters stay, as they must.
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class ReadinessGauges:
    """Runs the `/readyz` and `/readyz/broker` checks every `interval` seconds into
    `seatgate_dependency_up`, so their alerts (SeatgateNotReady for the database and
    Redis, SeatgateBrokerUnreachable for Kafka) fire whether or not anything probes."""

    def __init__(self, resources: Resources, interval: float = 5.0) -> None:
        self._resources = resources
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="readiness-gauges")

    async def _run(self) -> None:
        while True:
            answers = await asyncio.gather(
                readiness(self._resources),
                broker_readiness(self._resources),
                return_exceptions=True,
            )
            for probes in answers:
                if isinstance(probes, BaseException):
                    continue
                for seen in probes:
                    metrics.dependency_up.labels(seen.name).set(1 if seen.ok else 0)
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def add_metrics_port_option(parser: argparse.ArgumentParser, process: str) -> None:
    """`--metrics-port` for a side process (default: $SEATGATE_METRICS_PORT or its own)."""
    default = int(os.environ.get(METRICS_PORT_ENV) or DEFAULT_METRICS_PORTS[process])
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=default,
        help=f"port of this process's /metrics (default {default}; 0 turns it off)",
    )
    parser.add_argument(
        "--metrics-host", default=None, help="address of /metrics (default: SEATGATE_HTTP_HOST)"
    )


def serve_metrics(port: int, host: str) -> None:
    """Serve this process's `/metrics` from a daemon thread; port 0 serves nothing."""
    if port == 0:
        return
    try:
        start_http_server(port, addr=host, registry=REGISTRY)
    except OSError as error:
        raise SystemExit(
            f"seatgate: --metrics-port {port} on {host} cannot be bound ({error.strerror}); "
            f"fix: pass a free --metrics-port or set {METRICS_PORT_ENV}"
        ) from None
    log.info("metrics listening", extra={"url": f"http://{host}:{port}/metrics"})


def serve_metrics_from_args(args: argparse.Namespace, default_host: str) -> None:
    """What a side process's command calls first: `add_metrics_port_option` gave the args."""
    serve_metrics(args.metrics_port, args.metrics_host or default_host)
