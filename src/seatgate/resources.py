"""Connections a process holds for its lifetime: settings, the DB pool, Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis_async

from seatgate.db.pool import create_pool
from seatgate.settings import Settings


def redis_client(settings: Settings) -> Any:
    if settings.redis_url is None:
        raise RuntimeError("SEATGATE_REDIS_URL is not set")
    # A blocking pool makes a burst beyond max_connections wait for a free connection;
    # the default pool raises MaxConnectionsError (a 500) instead.
    pool = redis_async.BlockingConnectionPool.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.connect_timeout_seconds,
        socket_timeout=settings.connect_timeout_seconds * 2,
        health_check_interval=30,
        max_connections=max(64, settings.db_pool_size * 4),
        timeout=settings.connect_timeout_seconds * 2,
    )
    return redis_async.Redis.from_pool(pool)


@dataclass
class Resources:
    settings: Settings
    pool: Any
    redis: Any

    @classmethod
    async def open(cls, settings: Settings) -> Resources:
        pool = await create_pool(settings)
        try:
            client = redis_client(settings)
            await client.ping()
        except BaseException:
            await pool.close()
            raise
        return cls(settings=settings, pool=pool, redis=client)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.pool.close()

    def key(self, *parts: str | int) -> str:
        """A Redis key under this deployment's prefix."""
        return self.settings.redis_key_prefix + ":".join(str(part) for part in parts)
