"""Schema migrations through Alembic, run programmatically by `seatgate migrate`/`dev`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def sqlalchemy_url(database_url: str) -> str:
    scheme, rest = database_url.split("://", 1)
    del scheme
    return f"postgresql+asyncpg://{rest}"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def execute_script(script: str) -> None:
    """Run a migration's SQL statement by statement (asyncpg prepares each one).

    Statements are split on a `;` that ends a line, so keep function bodies
    (`$$ ... $$`) free of such lines or run them with `op.execute` directly.
    """
    from alembic import op

    for statement in script.split(";\n"):
        if statement.strip():
            op.execute(statement)
