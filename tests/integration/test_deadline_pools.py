"""The connection pools' deadlines are on progress: a burst beyond the pool on a healthy
server waits its turn, however long the queue, instead of failing at the deadline.
(A stalled server returns no connection and fails at it: test_dependency_stalls.py.)"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from seatgate.db.pool import create_request_pool
from seatgate.resources import RedisPool, Resources

DEADLINE = 0.5
WORK_SECONDS = 0.1
POOL_SIZE = 10
BURST = 100  # ten rounds of work on ten connections: the last waits ~0.9 s, past 0.5 s


async def test_a_burst_beyond_the_database_pool_is_served_not_refused(clean: Resources) -> None:
    settings = clean.settings.model_copy(
        update={"db_pool_size": POOL_SIZE, "db_acquire_timeout_seconds": DEADLINE}
    )
    pool = await create_request_pool(settings)
    try:
        results = await asyncio.gather(
            *(pool.fetchval("SELECT pg_sleep($1::float8)", WORK_SECONDS) for _ in range(BURST)),
            return_exceptions=True,
        )
    finally:
        await pool.close()
    failures = [repr(result) for result in results if isinstance(result, BaseException)]
    assert failures == []


async def test_a_burst_beyond_the_redis_pool_is_served_not_refused(clean: Resources) -> None:
    assert clean.settings.redis_url is not None
    pool = RedisPool.from_url(
        clean.settings.redis_url, max_connections=2, timeout=DEADLINE, socket_timeout=DEADLINE
    )
    client = clean.redis.__class__.from_pool(pool)
    key = clean.key("burst", uuid.uuid4().hex)
    try:
        # Each BLPOP holds its connection for 0.1 s: 20 on 2 connections take ~1 s.
        results = await asyncio.gather(
            *(client.blpop([key], timeout=WORK_SECONDS) for _ in range(20)),
            return_exceptions=True,
        )
    finally:
        await client.aclose()
    assert results == [None] * 20


async def test_a_command_past_its_deadline_closes_its_connection(clean: Resources) -> None:
    """Not asyncpg's CancelRequest on a second connection, which hangs as long again when
    the server is stalled: the connection is dropped and the pool opens a fresh one."""
    pool = await create_request_pool(clean.settings, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            first = conn.get_server_pid()
            with pytest.raises(TimeoutError):
                await conn.fetchval("SELECT pg_sleep(2)", timeout=0.2)
        assert await pool.fetchval("SELECT pg_backend_pid()") != first
    finally:
        await pool.close()
