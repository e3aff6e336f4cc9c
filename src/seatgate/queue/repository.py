"""The one PostgreSQL read the waiting room makes: does the concert exist (cached in Redis)."""

from __future__ import annotations

from typing import Any


async def concert_exists(conn: Any, concert_id: int) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM concerts WHERE id = $1)", concert_id)
    )
