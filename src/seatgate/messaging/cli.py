"""`seatgate relay`, `seatgate consume`, `seatgate dlq replay`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from seatgate.cli import Commands, add_command, command_settings
from seatgate.messaging.consumer import run_consumers
from seatgate.messaging.dlq import replay, topic_choice
from seatgate.messaging.relay import run_relay
from seatgate.observability.exposition import (
    PoolGauges,
    add_metrics_port_option,
    serve_metrics_from_args,
)
from seatgate.observability.logging import configure_logging
from seatgate.resources import Resources
from seatgate.settings import Settings
from seatgate.startup import fail, require_dependencies

log = logging.getLogger("seatgate.messaging")

Worker = Callable[[Resources, asyncio.Event], Awaitable[None]]


def register(commands: Commands) -> None:
    relay = add_command(
        commands,
        "relay",
        cmd_relay,
        "Publish the outbox (PostgreSQL table and Redis stream) to Kafka; several may run.",
    )
    add_metrics_port_option(relay, "relay")
    consume = add_command(
        commands,
        "consume",
        cmd_consume,
        "Run the consumers (sales projection) of the reservation and payment topics.",
    )
    add_metrics_port_option(consume, "consumer")

    dlq = commands.add_parser("dlq", help="Dead-letter topics.")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True, metavar="COMMAND")
    replay_command = add_command(
        dlq_commands,
        "replay",
        cmd_dlq_replay,
        "Put dead-lettered messages back on their original topic (after the fix).",
    )
    replay_command.add_argument(
        "--topic", help="one topic (default: all), e.g. seatgate.payments.v1"
    )
    replay_command.add_argument("--limit", type=int, help="replay at most N messages")


def cmd_relay(args: argparse.Namespace) -> int:
    return _run_worker(args, run_relay, "relay")


def cmd_consume(args: argparse.Namespace) -> int:
    return _run_worker(args, run_consumers, "consumer")


def cmd_dlq_replay(args: argparse.Namespace) -> int:
    settings = command_settings(args, find_dev_stack=True)
    try:
        topics = topic_choice(args.topic)
    except ValueError as error:
        fail(f"{error}; fix: pass one of them or leave --topic out")
    if args.limit is not None and args.limit < 1:
        fail("--limit must be 1 or more; fix: pass a positive number or leave it out")
    require_dependencies(settings)
    configure_logging()
    count = replay(settings, topics=topics, limit=args.limit)
    print(f"replayed {count} message(s) from {', '.join(t + '.dlq' for t in topics)}")
    return 0


def _run_worker(args: argparse.Namespace, worker: Worker, name: str) -> int:
    settings = command_settings(args)
    require_dependencies(settings)
    configure_logging()
    serve_metrics_from_args(args, settings.http_host)
    asyncio.run(_until_stopped(settings, worker, name))
    return 0


async def _until_stopped(settings: Settings, worker: Worker, name: str) -> None:
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
