"""`seatgate users create`: a user and its token, for development and load tests."""

from __future__ import annotations

import argparse
import asyncio

from seatgate.commands import Commands, command_settings
from seatgate.db.pool import create_pool
from seatgate.settings import Settings
from seatgate.startup import fail
from seatgate.users.service import create_user


def register(commands: Commands) -> None:
    users = commands.add_parser("users", help="Manage users (development and load tests).")
    user_commands = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")
    create = user_commands.add_parser("create", help="Create a user and print its token.")
    create.add_argument("--profile")
    create.add_argument("--balance", type=int, default=0)
    create.add_argument("--name", default="")
    create.set_defaults(handler=cmd_users_create)


def cmd_users_create(args: argparse.Namespace) -> int:
    settings = command_settings(args, find_dev_stack=True)
    if settings.database_url is None:
        fail("SEATGATE_DATABASE_URL is not set; fix: point it at seatgate's PostgreSQL")
    if args.balance < 0:
        fail("--balance is negative; fix: pass 0 or a positive amount")
    print(asyncio.run(_create(settings, balance=args.balance, name=args.name)))
    return 0


async def _create(settings: Settings, *, balance: int, name: str) -> str:
    pool = await create_pool(settings, min_size=1)
    try:
        user = await create_user(pool, settings, balance=balance, name=name)
    finally:
        await pool.close()
    return user.model_dump_json()
