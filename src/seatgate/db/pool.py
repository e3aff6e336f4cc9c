"""The asyncpg pool: one per process, sized from settings."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from seatgate.settings import Settings


async def _init_connection(conn: asyncpg.Connection) -> None:
    for json_type in ("json", "jsonb"):
        await conn.set_type_codec(
            json_type,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without asyncpg's reset query (`RESET ALL; UNLISTEN *; ...`), which
    costs a round trip per checkout. asyncpg still rolls back any open transaction.
    Safe because pooled connections never carry session state: no SET, LISTEN or
    session advisory lock (the scheduler's lock lives on its own connection)."""
    del conn


async def create_pool(settings: Settings, *, dsn: str | None = None, **overrides: Any) -> Any:
    """Open the process's pool; connections come up ready with JSON codecs and timeouts."""
    url = dsn or settings.database_url
    if url is None:
        raise RuntimeError("SEATGATE_DATABASE_URL is not set")
    options: dict[str, Any] = {
        "min_size": min(4, settings.db_pool_size),
        "max_size": settings.db_pool_size,
        "timeout": settings.connect_timeout_seconds,
        "command_timeout": settings.db_statement_timeout_ms / 1000 + 1,
        "init": _init_connection,
        "reset": _keep_session,
        "server_settings": {
            "statement_timeout": str(settings.db_statement_timeout_ms),
            "application_name": "seatgate",
        },
    }
    options.update(overrides)
    return await asyncpg.create_pool(url, **options)
