"""The broker stops and comes back empty (the embedded one keeps nothing): writes go on,
and afterwards every outbox row is published and takes effect exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from seatgate.embedded.kafka import EmbeddedKafka
from seatgate.messaging import outbox
from seatgate.messaging.consumer import EventConsumer
from seatgate.messaging.projection import SalesProjection
from seatgate.messaging.relay import Relay
from seatgate.resources import Resources
from tests.integration.messaging_helpers import eventually, isolated, running, seat_held


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedKafka]:
    server = EmbeddedKafka(tmp_path, port=None)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def restart(broker: EmbeddedKafka, attempts: int = 10) -> None:
    """Start again on the same port; the port may linger for a few seconds after a stop."""
    for _ in range(attempts):
        try:
            broker.start(timeout=5)
            return
        except RuntimeError:
            broker.stop()
            time.sleep(1)
    raise AssertionError("the broker did not come back")


async def _write(resources: Resources, first: int, count: int) -> None:
    for start in range(first, first + count, 20):
        async with resources.pool.acquire() as conn, conn.transaction():
            await outbox.record(conn, *(seat_held(n) for n in range(start, start + 20)))


async def _count(resources: Resources, sql: str) -> int:
    return int(await resources.pool.fetchval(sql))


async def test_rows_written_while_the_broker_is_down_are_published_once_it_is_back(
    clean: Resources, broker: EmbeddedKafka
) -> None:
    resources = isolated(clean, kafka_bootstrap_servers=broker.bootstrap_servers)
    processed = "SELECT count(*) FROM processed_events"
    unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    relay = Relay(resources)
    async with running(relay.run, EventConsumer(resources, SalesProjection()).run):
        await _write(resources, 1, 200)
        await eventually(lambda: _is(resources, processed, 200), what="first 200 processed")

        await asyncio.to_thread(broker.stop)
        await _write(resources, 201, 200)  # commits go on without the broker
        assert await _count(resources, unpublished) == 200

        await asyncio.to_thread(restart, broker)
        await eventually(
            lambda: _is(resources, processed, 400), timeout=60, what="all 400 processed"
        )
    assert await _count(resources, unpublished) == 0
    holds = await _count(resources, "SELECT COALESCE(sum(holds), 0) FROM sales_by_schedule")
    assert holds == 400


async def _is(resources: Resources, sql: str, value: int) -> bool:
    return await _count(resources, sql) == value
