"""The `seatgate` command: one entry point, one subcommand per process or task."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from seatgate import serving_cli
from seatgate.catalog import cli as catalog
from seatgate.commands import Handler, Register
from seatgate.db import cli as db
from seatgate.doctor import cli as doctor
from seatgate.embedded import cli as embedded
from seatgate.loadtest import cli as loadtest
from seatgate.messaging import cli as messaging
from seatgate.queue import cli as queue
from seatgate.scheduler import cli as scheduler
from seatgate.users import cli as users

# Each feature adds its own subcommands in its `cli.py`, with the helpers of `commands.py`;
# this module only assembles them, in the order `seatgate --help` lists them.
REGISTERS: tuple[Register, ...] = (
    serving_cli.register,  # serve
    embedded.register,  # dev
    db.register,  # migrate
    users.register,  # users create
    scheduler.register,  # scheduler
    catalog.register,  # seed
    queue.register,  # sale open, verify-shuffle
    doctor.register,  # doctor
    messaging.register,  # relay, consume, dlq replay
    loadtest.register,  # loadtest
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seatgate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in REGISTERS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)
