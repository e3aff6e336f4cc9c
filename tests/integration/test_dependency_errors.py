"""Every way a dependency deadline or outage surfaces is a 503 DEPENDENCY_UNAVAILABLE naming
the dependency, with the Retry-After of the settings."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from redis import exceptions as redis_exceptions

from seatgate.db.pool import create_request_pool
from seatgate.main import create_app
from seatgate.resources import Resources

RETRY_AFTER = 7


async def _pool_acquire_past_its_deadline(resources: Resources) -> None:
    """A real asyncpg acquire deadline: the only connection is taken."""
    pool = await create_request_pool(resources.settings, min_size=1, max_size=1)
    try:
        async with pool.acquire():
            await pool.fetchval("SELECT 1")
    finally:
        await pool.close()


async def _command_past_its_deadline(resources: Resources) -> None:
    pool = await create_request_pool(resources.settings, min_size=1, max_size=1)
    try:
        await pool.fetchval("SELECT pg_sleep(2)", timeout=0.1)
    finally:
        await pool.close()


def _raise(error: Exception) -> object:
    async def fail(resources: Resources) -> None:
        del resources
        raise error

    return fail


@pytest.mark.parametrize(
    ("failure", "dependency"),
    [
        (_pool_acquire_past_its_deadline, "database"),
        (_command_past_its_deadline, "database"),
        (_raise(asyncpg.exceptions.QueryCanceledError("statement timeout")), "database"),
        (_raise(asyncpg.exceptions.ConnectionDoesNotExistError("closed")), "database"),
        (_raise(redis_exceptions.TimeoutError("Timeout reading from socket")), "redis"),
        (_raise(redis_exceptions.ConnectionError("No connection available.")), "redis"),
    ],
    ids=["acquire", "command", "statement-timeout", "connection-gone", "redis-read", "redis-pool"],
)
async def test_a_dependency_failure_is_503_with_the_configured_retry_after(
    clean: Resources, failure: object, dependency: str
) -> None:
    settings = clean.settings.model_copy(
        update={
            "dependency_retry_after_seconds": RETRY_AFTER,
            "db_acquire_timeout_seconds": 0.2,
        }
    )
    resources = Resources(settings=settings, pool=clean.pool, redis=clean.redis)
    app: FastAPI = create_app(settings, resources=resources)

    @app.get("/fails")
    async def fails() -> None:
        await failure(resources)  # type: ignore[operator]

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/fails")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == str(RETRY_AFTER)
    body = response.json()
    assert body["code"] == "DEPENDENCY_UNAVAILABLE"
    assert body["dependency"] == dependency
