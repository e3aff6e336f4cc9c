"""`seatgate scheduler`: queue admission and expiry and the other periodic jobs, one leader."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from seatgate.cli import Commands, add_command, command_settings
from seatgate.observability.exposition import (
    PoolGauges,
    add_metrics_port_option,
    serve_metrics_from_args,
)
from seatgate.observability.logging import configure_logging
from seatgate.resources import Resources
from seatgate.scheduler.jobs import scheduler_jobs
from seatgate.scheduler.runner import run_scheduler
from seatgate.settings import Settings
from seatgate.startup import require_dependencies

log = logging.getLogger("seatgate.scheduler")


def register(commands: Commands) -> None:
    sub = add_command(
        commands,
        "scheduler",
        cmd_scheduler,
        "Run the periodic jobs (queue admission and expiry, hold expiry); "
        "several may run, one leads.",
    )
    add_metrics_port_option(sub, "scheduler")


def cmd_scheduler(args: argparse.Namespace) -> int:
    settings = command_settings(args)
    require_dependencies(settings)
    configure_logging()
    serve_metrics_from_args(args, settings.http_host)
    asyncio.run(run_until_stopped(settings))
    return 0


async def run_until_stopped(settings: Settings) -> None:
    """Run the scheduler until SIGTERM or SIGINT; the leader lock dies with the connection."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    resources = await Resources.open(settings)
    pool_gauges = PoolGauges(resources.pool)
    pool_gauges.start()
    jobs = scheduler_jobs(settings)
    log.info("scheduler started", extra={"jobs": [job.name for job in jobs]})
    try:
        await run_scheduler(resources, jobs, stop)
    finally:
        await pool_gauges.stop()
        await resources.close()
        log.info("scheduler stopped")
