"""`seatgate relay`, `seatgate consume`, `seatgate dlq replay`."""

from __future__ import annotations

import argparse

from seatgate.commands import Commands, add_command, add_worker_command, command_settings
from seatgate.messaging.consumer import run_consumers
from seatgate.messaging.dlq import replay, topic_choice
from seatgate.messaging.relay import run_relay
from seatgate.observability.logging import configure_logging
from seatgate.startup import fail, require_dependencies


def register(commands: Commands) -> None:
    add_worker_command(
        commands,
        "relay",
        run_relay,
        "Publish the outbox (PostgreSQL table and Redis stream) to Kafka; several may run.",
        process="relay",
    )
    add_worker_command(
        commands,
        "consume",
        run_consumers,
        "Run the consumers (sales projection) of the reservation and payment topics.",
        process="consumer",
    )

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
