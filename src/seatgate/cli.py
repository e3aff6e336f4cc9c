"""The `seatgate` command: one entry point, one subcommand per process or task."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
from collections.abc import Sequence

from seatgate.commands import Handler, add_command, command_settings
from seatgate.startup import fail, require_dependencies

# Each feature owning a process or task adds its subcommands in its own `cli.py`,
# through `register(commands: Commands) -> None`, and is listed here.
FEATURE_COMMANDS: tuple[str, ...] = (
    "seatgate.scheduler.cli",
    "seatgate.catalog.cli",
    "seatgate.doctor.cli",
    "seatgate.messaging.cli",
    "seatgate.loadtest.cli",
)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = command_settings(args)
    if args.with_workers:
        os.environ["SEATGATE_RUN_WORKERS_IN_PROCESS"] = "true"
        settings = settings.model_copy(update={"run_workers_in_process": True})
    require_dependencies(settings)
    from seatgate.serving import serve_forever

    serve_forever(settings)
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    settings = command_settings(args)
    from seatgate.embedded.dev import run_dev

    return run_dev(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = command_settings(args)
    if settings.database_url is None:
        fail("SEATGATE_DATABASE_URL is not set; fix: point it at the PostgreSQL to migrate")
    from seatgate.db.migrate import upgrade

    upgrade(settings.database_url)
    print("migrations applied")
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    settings = command_settings(args, find_dev_stack=True)
    if settings.database_url is None:
        fail("SEATGATE_DATABASE_URL is not set; fix: point it at seatgate's PostgreSQL")
    if args.balance < 0:
        fail("--balance is negative; fix: pass 0 or a positive amount")
    from seatgate.db.pool import create_pool
    from seatgate.users.service import create_user

    async def create() -> str:
        pool = await create_pool(settings, min_size=1)
        try:
            user = await create_user(pool, settings, balance=args.balance, name=args.name)
        finally:
            await pool.close()
        return user.model_dump_json()

    print(asyncio.run(create()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seatgate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        return add_command(commands, name, handler, help_text)

    serve = add("serve", cmd_serve, "Run the HTTP API (after checking every dependency).")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument(
        "--with-workers", action="store_true", help="also run scheduler/relay/consumer in-process"
    )

    dev = add("dev", cmd_dev, "Run the whole system on embedded PostgreSQL, Redis and Kafka.")
    dev.add_argument("--host")
    dev.add_argument("--port", type=int)

    add("migrate", cmd_migrate, "Apply database migrations.")

    users = commands.add_parser("users", help="Manage users (development and load tests).")
    user_commands = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")
    create = user_commands.add_parser("create", help="Create a user and print its token.")
    create.add_argument("--profile")
    create.add_argument("--balance", type=int, default=0)
    create.add_argument("--name", default="")
    create.set_defaults(handler=cmd_users_create)

    for module_name in FEATURE_COMMANDS:
        importlib.import_module(module_name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)
