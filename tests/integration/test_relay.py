"""The relay publishes both outboxes with the documented envelope, in order per key."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

from prometheus_client import REGISTRY

from seatgate.messaging import outbox, repository
from seatgate.messaging.envelope import PAYMENTS_TOPIC, QUEUE_TOPIC, RESERVATIONS_TOPIC
from seatgate.messaging.kafka import kafka_topic
from seatgate.messaging.relay import Relay
from seatgate.messaging.schemas import parse_event
from seatgate.messaging.stream import StreamOutbox
from seatgate.payments.events import PaymentCompleted
from seatgate.queue.events import QueueTokenIssued
from seatgate.resources import Resources
from seatgate.scheduler.jobs import scheduler_jobs
from tests.integration.messaging_helpers import (
    direct_stream,
    eventually,
    isolated,
    read_messages,
    running,
    seat_held,
    stream_backlog,
    xadd_event,
)


async def _published(resources: Resources) -> int:
    return int(
        await resources.pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
    )


async def test_relay_publishes_table_and_stream_events_with_the_envelope(clean: Resources) -> None:
    resources = isolated(clean)
    held = [seat_held(1), seat_held(2)]
    paid = PaymentCompleted(
        payment_id=9,
        reservation_id=1,
        user_id=1,
        seat_id=1,
        schedule_id=1,
        concert_id=7,
        amount=1000,
        price=1000,
    ).occurred(fact="paid-1")
    async with resources.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [*held, paid])
    issued = QueueTokenIssued(token="tok-1", concert_id=7, user_id=1, sequence=1).occurred(
        fact="tok-1"
    )
    await xadd_event(resources, issued)

    async with running(Relay(resources).run):
        await eventually(lambda: _all_published(resources, 3), what="3 rows published")
        messages = await asyncio.to_thread(
            read_messages,
            resources.settings,
            [RESERVATIONS_TOPIC, PAYMENTS_TOPIC, QUEUE_TOPIC],
            count=4,
        )
        assert await stream_backlog(resources) == 0

    by_id = {}
    for message in messages:
        envelope, _ = parse_event(message.value(), topic=message.topic().split(".", 1)[1])
        by_id[envelope.event_id] = (message, envelope)
        assert dict(message.headers())["event_type"].decode() == envelope.type
    assert set(by_id) == {event.envelope.event_id for event in [*held, paid, issued]}
    assert by_id[issued.envelope.event_id][0].key() == b"7"
    assert by_id[held[0].envelope.event_id][0].key() == b"seat:1"
    assert by_id[paid.envelope.event_id][0].key() == b"user:1"
    assert by_id[held[0].envelope.event_id][1] == held[0].envelope
    for topic, count in ((RESERVATIONS_TOPIC, 2), (PAYMENTS_TOPIC, 1), (QUEUE_TOPIC, 1)):
        published = REGISTRY.get_sample_value(
            "seatgate_events_published_total", {"topic": kafka_topic(resources.settings, topic)}
        )
        assert published == count


async def _all_published(resources: Resources, count: int) -> bool:
    return await _published(resources) == count


async def test_two_relays_keep_each_keys_order(clean: Resources) -> None:
    resources = isolated(clean)
    # Ten keys (seat:0 to seat:9) in the table, five others in the stream.
    events = [seat_held(n, seat_id=n % 10) for n in range(1, 1001)]
    streamed = [seat_held(n) for n in range(1001, 1201)]

    # Many small transactions interleaved with the relays, as requests would write them.
    async def write() -> None:
        for start in range(0, len(events), 50):
            chunk = events[start : start + 50]
            async with resources.pool.acquire() as conn, conn.transaction():
                for event in chunk:
                    await outbox.append(conn, [event])

    async def append() -> None:
        for index, event in enumerate(streamed):
            await xadd_event(resources, event, key=f"concert:{index % 5}")

    async with running(Relay(resources, batch_size=37).run, Relay(resources, batch_size=53).run):
        await asyncio.gather(write(), append())
        await eventually(lambda: _all_published(resources, 1000), what="1000 rows published")
        await eventually(lambda: _stream_empty(resources), what="the stream drained")
    messages = await asyncio.to_thread(
        read_messages, resources.settings, [RESERVATIONS_TOPIC], count=1200
    )

    order = {event.envelope.event_id: position for position, event in enumerate(events + streamed)}
    seen: dict[bytes, list[int]] = defaultdict(list)
    for message in messages:
        envelope, _ = parse_event(message.value())
        seen[message.key()].append(order[envelope.event_id])
    assert sum(len(positions) for positions in seen.values()) >= 1200
    assert len(seen) == 15
    for key, positions in seen.items():
        first_seen = list(dict.fromkeys(positions))
        assert first_seen == sorted(first_seen), f"key {key!r} out of order"


async def test_every_concerts_stream_is_found_and_forwarded_in_key_order(
    clean: Resources,
) -> None:
    """One stream outbox per concert (on a cluster, in different slots and nodes): two
    relays find each through the registry and keep the order of each key."""
    resources = isolated(clean)
    events = [seat_held(n) for n in range(1, 301)]

    async def append() -> None:
        for index, event in enumerate(events):
            concert = index % 3
            await xadd_event(resources, event, key=f"concert:{concert}", tag=f"c:{concert}")

    async with running(Relay(resources, batch_size=17).run, Relay(resources, batch_size=29).run):
        await append()
        await eventually(lambda: _stream_empty(resources), what="every stream drained")
    messages = await asyncio.to_thread(
        read_messages, resources.settings, [RESERVATIONS_TOPIC], count=300
    )

    order = {event.envelope.event_id: position for position, event in enumerate(events)}
    seen: dict[bytes, list[int]] = defaultdict(list)
    for message in messages:
        seen[message.key()].append(order[parse_event(message.value())[0].event_id])
    assert sorted(seen) == [b"concert:0", b"concert:1", b"concert:2"]
    for key, positions in seen.items():
        first_seen = list(dict.fromkeys(positions))
        assert first_seen == sorted(first_seen), f"key {key!r} out of order"
        assert len(first_seen) == 100


async def _stream_empty(resources: Resources) -> bool:
    return await stream_backlog(resources) == 0


async def test_a_relay_whose_lease_was_taken_marks_nothing(clean: Resources) -> None:
    async with clean.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [seat_held(1), seat_held(2)])
    slow, fast = uuid.uuid4(), uuid.uuid4()
    claimed = await repository.claim(clean.pool, slow, limit=10, lease_seconds=30)
    assert len(claimed) == 2
    assert await repository.claim(clean.pool, fast, limit=10, lease_seconds=30) == []

    await clean.pool.execute("UPDATE outbox SET lease_until = now() - interval '1 second'")
    retaken = await repository.claim(clean.pool, fast, limit=10, lease_seconds=30)
    assert [row.id for row in retaken] == [row.id for row in claimed]
    ids = [row.id for row in claimed]
    assert await repository.mark_published(clean.pool, slow, ids) == 0
    assert await repository.mark_published(clean.pool, fast, ids) == 2


async def test_a_later_event_of_a_key_waits_while_another_relay_holds_an_earlier_one(
    clean: Resources,
) -> None:
    async with clean.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [seat_held(1, seat_id=1)])
    first, second = uuid.uuid4(), uuid.uuid4()
    assert len(await repository.claim(clean.pool, first, limit=10, lease_seconds=30)) == 1
    async with clean.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [seat_held(2, seat_id=1)])
        await outbox.append(conn, [seat_held(3, seat_id=2)])
    taken = await repository.claim(clean.pool, second, limit=10, lease_seconds=30)
    assert [row.key for row in taken] == ["seat:2"]


async def test_cleanup_deletes_only_published_rows_past_retention(clean: Resources) -> None:
    async with clean.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [seat_held(1), seat_held(2), seat_held(3)])
    await clean.pool.execute(
        "UPDATE outbox SET published_at = now() - interval '2 days' WHERE key = 'seat:1'"
    )
    await clean.pool.execute("UPDATE outbox SET published_at = now() WHERE key = 'seat:2'")
    resources = isolated(clean, outbox_retention_seconds=24 * 3600)
    (cleanup,) = [job for job in scheduler_jobs(resources.settings) if job.name == "outbox-cleanup"]
    assert await cleanup.run(resources) == 1
    left = await clean.pool.fetch("SELECT key FROM outbox ORDER BY key")
    assert [row["key"] for row in left] == ["seat:2", "seat:3"]


async def test_stream_entries_of_a_dead_relay_are_taken_over(clean: Resources) -> None:
    resources = isolated(clean)
    events = [seat_held(n) for n in range(1, 4)]
    for event in events:
        await xadd_event(resources, event)
    stream = await direct_stream(resources)
    dead = StreamOutbox(resources.redis, stream_key=stream, owner=uuid.uuid4())
    assert await dead.lead(lease_seconds=0.2)
    assert len(await dead.next_batch(10, block_ms=10)) == 3  # read, never acknowledged
    # Its reader lease runs out (a condition, not a sleep that races the lease's length).
    await eventually(
        lambda: _lease_gone(resources, dead), timeout=10, what="the dead relay's lease expired"
    )

    async with running(Relay(resources).run):
        await eventually(lambda: _stream_empty(resources), what="the stream drained")
    messages = await asyncio.to_thread(
        read_messages, resources.settings, [RESERVATIONS_TOPIC], count=3
    )
    assert sorted(parse_event(m.value())[0].event_id for m in messages) == sorted(
        event.envelope.event_id for event in events
    )


async def _lease_gone(resources: Resources, outbox: StreamOutbox) -> bool:
    return not await resources.redis.exists(outbox.lock_key)
