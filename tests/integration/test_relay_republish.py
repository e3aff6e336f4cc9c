"""The pieces of re-publishing after a broker lost its data (broker_watch.py), on the real
PostgreSQL and Redis: the table switch happens once, the stream's record replays in
order and is kept for the window. The whole path with a broker killed and back empty:
test_relay_broker_restart.py."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from seatgate.messaging import outbox, repository
from seatgate.messaging import stream as stream_module
from seatgate.messaging.stream import StreamEntry, StreamOutbox
from seatgate.resources import Resources
from tests.integration.messaging_helpers import isolated, seat_held, xadd_event


async def test_the_switch_to_a_new_broker_unpublishes_the_window_once(clean: Resources) -> None:
    async with clean.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [seat_held(n) for n in range(1, 5)])
    await clean.pool.execute(
        "UPDATE outbox SET published_at = now() - interval '1 hour'"
        " WHERE key IN ('seat:1', 'seat:2')"
    )
    await clean.pool.execute(
        "UPDATE outbox SET published_at = now() WHERE key IN ('seat:3', 'seat:4')"
    )
    await repository.saw_broker(clean.pool, "p.", "old")
    seen = await repository.broker_seen(clean.pool, "p.")
    assert seen is not None
    since = seen.seen_at - timedelta(minutes=5)

    # Two relays notice at once: one switches and unpublishes, the other finds it done.
    outcomes = await asyncio.gather(
        repository.switch_broker(clean.pool, "p.", seen, "new", since),
        repository.switch_broker(clean.pool, "p.", seen, "new", since),
    )
    assert sorted(outcomes, key=str) == [2, None]
    unpublished = await clean.pool.fetch(
        "SELECT key FROM outbox WHERE published_at IS NULL ORDER BY id"
    )
    assert [row["key"] for row in unpublished] == ["seat:3", "seat:4"]
    after = await repository.broker_seen(clean.pool, "p.")
    assert after is not None
    assert after.fingerprint == "new"


def a_stream(resources: Resources, record_seconds: int = 300) -> StreamOutbox:
    return StreamOutbox(
        resources.redis,
        stream_key=outbox.stream_key(resources.settings.redis_key_prefix, "c:0"),
        owner=uuid.uuid4(),
        record_seconds=record_seconds,
    )


async def publish_all(stream: StreamOutbox) -> list[StreamEntry]:
    assert await stream.lead(5.0)
    entries = await stream.next_batch(1000, block_ms=10)
    await stream.published(entries)
    return entries


async def test_the_record_replays_what_was_published_since_in_order_then_stops(
    clean: Resources,
) -> None:
    resources = isolated(clean)
    stream = a_stream(resources)
    for n in range(1, 8):
        await xadd_event(resources, seat_held(n, seat_id=1))
    before = datetime.now(UTC) - timedelta(seconds=1)
    published = await publish_all(stream)
    assert await clean.redis.xlen(stream.stream_key) == 0
    assert await stream.republish_batch(10) is None  # nothing scheduled

    await stream.schedule_republish(before)
    replayed: list[bytes] = []
    while (replay := await stream.republish_batch(3)) is not None:
        replayed += [entry.event for entry in replay.entries]
        await stream.republished(replay)
    assert replayed == [entry.event for entry in published]
    assert await stream.republish_batch(3) is None


async def test_the_record_is_trimmed_to_its_window_but_not_under_a_replay(
    clean: Resources,
) -> None:
    resources = isolated(clean)
    stream = a_stream(resources, record_seconds=1)
    for n in range(250):
        await xadd_event(resources, seat_held(n))
    await publish_all(stream)
    await stream.schedule_republish(datetime.now(UTC) - timedelta(seconds=10))
    time.sleep(1.1)  # noqa: ASYNC251 - the record's entries age past its window
    await xadd_event(resources, seat_held(1000))
    await publish_all(stream)
    assert await clean.redis.xlen(stream.record_key) == 251  # a replay still needs them

    await clean.redis.delete(stream.republish_key)  # the replay is done
    await xadd_event(resources, seat_held(1001))
    await publish_all(stream)
    assert await clean.redis.xlen(stream.record_key) < 100


async def test_the_record_is_bounded_in_entries_too(
    clean: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_module, "RECORD_MAX_ENTRIES", 50)
    resources = isolated(clean)
    stream = a_stream(resources)
    for n in range(250):
        await xadd_event(resources, seat_held(n))
    await publish_all(stream)
    assert 50 <= await clean.redis.xlen(stream.record_key) < 250
