"""Connections a process holds for its lifetime: settings, the DB pool, Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import redis.asyncio as redis_async
from redis import exceptions as redis_exceptions
from redis.asyncio.connection import AbstractConnection

from seatgate.db.pool import create_request_pool
from seatgate.settings import Settings


class RedisPool(redis_async.BlockingConnectionPool):
    """A blocking pool whose wait fails when no connection came back for `timeout` seconds.

    As for the database pool (db/pool.py), the deadline is on progress: a burst beyond
    `max_connections` on a healthy Redis waits its turn, a stalled Redis returns no
    connection and every waiter gets "No connection available" (503) at the deadline.
    """

    def __init__(self, **kwargs: Any) -> None:  # redis-py's pool options, passed on as given
        super().__init__(**kwargs)
        self.healthy_releases = 0

    async def get_connection(self, *args: Any, **kwargs: Any) -> AbstractConnection:
        while True:
            returned = self.healthy_releases
            try:
                connection: AbstractConnection = await super().get_connection(  # type: ignore[no-untyped-call]
                    *args, **kwargs
                )
                return connection
            except redis_exceptions.ConnectionError as error:
                waited = isinstance(error.__cause__, TimeoutError)
                if not waited or self.healthy_releases == returned:
                    raise

    async def release(self, connection: AbstractConnection) -> None:
        # redis-py disconnects a connection whose command timed out before releasing it.
        if connection.is_connected:
            self.healthy_releases += 1
        await super().release(connection)


def redis_client(settings: Settings) -> redis_async.Redis:
    if settings.redis_url is None:
        raise RuntimeError("SEATGATE_REDIS_URL is not set")
    # A blocking pool makes a burst beyond max_connections wait for a free connection;
    # the default pool raises MaxConnectionsError (a 500) instead. Connecting, each
    # command and the wait for a connection have the request deadline: a stalled Redis
    # is a TimeoutError or "No connection available" (503) within a few
    # `redis_timeout_seconds`, and a connection that timed out is disconnected, so none
    # broken by the stall is used again.
    deadline = settings.redis_timeout_seconds
    pool = RedisPool.from_url(
        settings.redis_url,
        socket_connect_timeout=deadline,
        socket_timeout=deadline,
        health_check_interval=30,
        max_connections=max(64, settings.db_pool_size * 4),
        timeout=deadline,
    )
    return redis_async.Redis.from_pool(pool)


@dataclass
class Resources:
    settings: Settings
    pool: asyncpg.Pool
    redis: redis_async.Redis

    @classmethod
    async def open(cls, settings: Settings) -> Resources:
        pool = await create_request_pool(settings)
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
