"""`seatgate dev`: the whole system on embedded PostgreSQL, Redis and Kafka."""

from __future__ import annotations

import argparse

from seatgate.commands import Commands, add_command, command_settings


def register(commands: Commands) -> None:
    dev = add_command(
        commands, "dev", cmd_dev, "Run the whole system on embedded PostgreSQL, Redis and Kafka."
    )
    dev.add_argument("--host")
    dev.add_argument("--port", type=int)


def cmd_dev(args: argparse.Namespace) -> int:
    settings = command_settings(args)
    # Imported when run: the whole app and the embedded servers are more than any other
    # command needs.
    from seatgate.embedded.dev import run_dev

    return run_dev(settings)
