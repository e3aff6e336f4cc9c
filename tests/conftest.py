"""Shared fixtures: real PostgreSQL, Redis and Kafka-protocol broker for every test run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from seatgate.db.migrate import upgrade
from seatgate.embedded.stack import EmbeddedStack, drop_database
from seatgate.main import create_app
from seatgate.resources import Resources
from seatgate.settings import Settings, load_settings
from tests.redis_cluster import redis_cluster
from tests.servers import RunServers, database_name, embedded_root, start_servers

TABLES = (
    "sales_by_schedule, processed_events, outbox, idempotency_keys, payments, reservations, "
    "seats, schedules, concerts, balance_ledger, users, relay_broker"
)


def cluster_url(stack: contextlib.ExitStack) -> str | None:
    """SEATGATE_TEST_REDIS_CLUSTER: `start` runs the suite on a 3-master Redis Cluster of
    the machine's redis-server (`make test-cluster`), a URL on that cluster's node."""
    wanted = os.environ.get("SEATGATE_TEST_REDIS_CLUSTER", "")
    if wanted == "start":
        return stack.enter_context(redis_cluster()).url
    return wanted or None


@pytest.fixture(scope="session")
def servers() -> Iterator[RunServers]:
    with tempfile.TemporaryDirectory(prefix="seatgate-test-") as tmp, contextlib.ExitStack() as on:
        stack = EmbeddedStack(embedded_root(Path(tmp)))
        try:
            found = start_servers(stack, cluster_url(on))
            upgrade(found.database_url)
            yield found
            asyncio.run(drop_database(found.admin_database_url, database_name(found.database_url)))
        finally:
            stack.stop()


TOLERANT_DEADLINES = {
    "redis_timeout_seconds": 5.0,
    "db_acquire_timeout_seconds": 5.0,
    "db_command_timeout_seconds": 10.0,
}


def make_settings(servers: RunServers, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "profile": "test",
        "database_url": servers.database_url,
        "redis_url": servers.redis_url,
        "kafka_bootstrap_servers": servers.kafka_bootstrap_servers,
        "redis_key_prefix": servers.redis_key_prefix,
        "redis_cluster": servers.redis_cluster,
        "db_pool_size": 20,
        # The suite shares two cores with other runs: a test that starts 200 requests at
        # once stalls its own event loop for seconds (measured: 2.5 s), past the request
        # deadlines, and would read its own slowness as a dependency down. The deadlines
        # themselves are tested with their defaults (integration/test_dependency_stalls.py).
        **TOLERANT_DEADLINES,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="session")
def settings(servers: RunServers) -> Settings:
    return make_settings(servers)


@pytest.fixture(scope="session")
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    opened = await Resources.open(settings)
    yield opened
    keys = [key async for key in opened.redis.scan_iter(f"{settings.redis_key_prefix}*")]
    if keys:
        await opened.redis.delete(*keys)
    await opened.close()


@pytest.fixture
async def clean(resources: Resources) -> AsyncIterator[Resources]:
    """Empty tables and this run's Redis keys, so a test sees only what it creates."""
    await resources.pool.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    keys = [
        key async for key in resources.redis.scan_iter(f"{resources.settings.redis_key_prefix}*")
    ]
    if keys:
        await resources.redis.delete(*keys)
    return resources


@pytest.fixture
async def client(clean: Resources) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(clean.settings, resources=clean)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seatgate.test") as http:
        yield http
