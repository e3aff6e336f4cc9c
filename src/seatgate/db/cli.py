"""`seatgate migrate`: apply the database migrations."""

from __future__ import annotations

import argparse

from seatgate.commands import Commands, add_command, command_settings
from seatgate.startup import fail


def register(commands: Commands) -> None:
    add_command(commands, "migrate", cmd_migrate, "Apply database migrations.")


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = command_settings(args)
    if settings.database_url is None:
        fail("SEATGATE_DATABASE_URL is not set; fix: point it at the PostgreSQL to migrate")
    # Imported when run: alembic is more than any other command needs.
    from seatgate.db.migrate import upgrade

    upgrade(settings.database_url)
    print("migrations applied")
    return 0
