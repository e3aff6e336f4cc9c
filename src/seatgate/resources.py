"""Connections a process holds for its lifetime: settings, the DB pool, Redis."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, TypeAlias

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


class RedisClusterClient(redis_async.RedisCluster):
    """A cluster client whose commands beyond `max_in_flight` wait their turn.

    redis-py's cluster client has no blocking pool: past `max_connections` on a node a
    command fails at once. This bounds the commands under way instead, with the deadline
    on progress of RedisPool: a burst on a healthy cluster queues, a stalled one fails
    every waiter ("No connection available", 503) when none finished for `wait_seconds`.
    """

    def __init__(self, *args: Any, max_in_flight: int, wait_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turns = asyncio.Semaphore(max_in_flight)
        self._wait_seconds = wait_seconds
        self.finished = 0

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:  # redis-py's signature
        while True:
            finished = self.finished
            try:
                await asyncio.wait_for(self._turns.acquire(), self._wait_seconds)
                break
            except TimeoutError:
                if self.finished == finished:
                    raise redis_exceptions.ConnectionError("No connection available.") from None
        try:
            return await super().execute_command(*args, **kwargs)
        except AttributeError as error:
            # redis-py 8.1: when a node dies, a connection being opened can be torn down
            # by a concurrent command's clean-up and write to a writer that is None
            # (seen here with a master killed). That is the node being gone: a 503.
            raise redis_exceptions.ConnectionError(f"connection lost: {error}") from error
        finally:
            self.finished += 1
            self._turns.release()


# One Redis, or a Redis Cluster (SEATGATE_REDIS_CLUSTER): the waiting room's scripts and
# pipelines touch one hash slot each, so they run on either (docs/decisions/0012).
RedisClient: TypeAlias = redis_async.Redis | redis_async.RedisCluster


def redis_client(settings: Settings) -> RedisClient:
    if settings.redis_url is None:
        raise RuntimeError("SEATGATE_REDIS_URL is not set")
    # A blocking pool makes a burst beyond max_connections wait for a free connection;
    # the default pool raises MaxConnectionsError (a 500) instead. Connecting, each
    # command and the wait for a connection have the request deadline: a stalled Redis
    # is a TimeoutError or "No connection available" (503) within a few
    # `redis_timeout_seconds`, and a connection that timed out is disconnected, so none
    # broken by the stall is used again.
    deadline = settings.redis_timeout_seconds
    max_connections = max(64, settings.db_pool_size * 4)
    if settings.redis_cluster:
        # A burst waits as on one Redis (RedisClusterClient); a node that stops answering
        # is a TimeoutError within the deadline, as above.
        # Pipelines take their connections beside the bound: room for them on each node.
        return RedisClusterClient.from_url(
            settings.redis_url,
            socket_connect_timeout=deadline,
            socket_timeout=deadline,
            health_check_interval=30,
            max_connections=2 * max_connections,
            max_in_flight=max_connections,
            wait_seconds=deadline,
        )
    pool = RedisPool.from_url(
        settings.redis_url,
        socket_connect_timeout=deadline,
        socket_timeout=deadline,
        health_check_interval=30,
        max_connections=max_connections,
        timeout=deadline,
    )
    return redis_async.Redis.from_pool(pool)


@dataclass
class Resources:
    settings: Settings
    pool: asyncpg.Pool
    redis: RedisClient

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
