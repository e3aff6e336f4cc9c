"""The broker stops and comes back empty (the embedded one keeps nothing): writes go on,
and afterwards every outbox row is published and takes effect exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
from prometheus_client import REGISTRY

from seatgate.embedded.kafka import EmbeddedKafka
from seatgate.messaging import outbox
from seatgate.messaging.consumer import EventConsumer
from seatgate.messaging.envelope import (
    PAYMENTS_TOPIC,
    QUEUE_TOPIC,
    RESERVATIONS_TOPIC,
    Occurrence,
)
from seatgate.messaging.kafka import admin_config, kafka_topic
from seatgate.messaging.projection import SalesProjection
from seatgate.messaging.publisher import Message, Publisher
from seatgate.messaging.relay import Relay
from seatgate.resources import Resources
from seatgate.settings import Settings
from tests import fault_checks
from tests.integration.messaging_helpers import (
    eventually,
    isolated,
    paid,
    read_messages,
    running,
    seat_held,
    stream_backlog,
)
from tests.integration.queue_helpers import outbox_events
from tests.integration.reservation_helpers import buyers_hold_and_pay

PROCESSED = "SELECT count(*) FROM processed_events"
SYNTHETIC_SCHEDULE = 10_000  # the seat_held() events below, apart from the hall's schedule

# Broker restarts: each test waits up to 120 s for recovery, over the suite's hang guard.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(360)]


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
            await outbox.append(
                conn,
                [seat_held(n, schedule_id=SYNTHETIC_SCHEDULE) for n in range(start, start + 20)],
            )


async def _count(resources: Resources, sql: str) -> int:
    return int(await resources.pool.fetchval(sql))


async def test_rows_written_while_the_broker_is_down_are_published_once_it_is_back(
    client: httpx.AsyncClient, clean: Resources, broker: EmbeddedKafka
) -> None:
    resources = isolated(clean, kafka_bootstrap_servers=broker.bootstrap_servers)
    unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    consumed_topics = "SELECT count(*) FROM outbox WHERE topic <> 'seatgate.queue.v1'"
    async with running(Relay(resources).run, EventConsumer(resources, SalesProjection()).run):
        await _write(resources, 1, 200)
        await eventually(lambda: _is(resources, PROCESSED, 200), what="first 200 processed")

        await asyncio.to_thread(broker.stop)
        # Requests and commits go on without the broker.
        hall, payments = await buyers_hold_and_pay(client, clean, buyers=5)
        schedule_id, revenue = hall.schedule_id, sum(paid["amount"] for paid in payments)
        await _write(resources, 201, 200)
        assert await _count(resources, unpublished) >= 200 + 5 * 3
        await eventually(lambda: _pending_metric_at_least(200 + 5 * 3), what="outbox_pending")

        await asyncio.to_thread(restart, broker)
        expected = await _count(resources, consumed_topics)
        try:
            # Generous: after the empty broker returns, topics, the group and the
            # producer are all recreated; a slow machine has taken over a minute once.
            await eventually(
                lambda: _is(resources, PROCESSED, expected), timeout=120, what="every row processed"
            )
        except AssertionError as error:
            state = {
                "processed": await _count(resources, PROCESSED),
                "expected": expected,
                "unpublished": await _count(resources, unpublished),
                "stream": await stream_backlog(resources),
                "missing": await _missing(resources, broker),
            }
            raise AssertionError(f"{error}: {state}") from None
    assert await _count(resources, unpublished) == 0
    assert await stream_backlog(resources) == 0
    sales = await resources.pool.fetch(
        "SELECT schedule_id, holds, confirmations, revenue FROM sales_by_schedule"
    )
    assert {row["schedule_id"]: tuple(row)[1:] for row in sales} == {
        SYNTHETIC_SCHEDULE: (400, 0, 0),
        schedule_id: (5, 5, revenue),
    }


async def test_events_the_broker_acknowledged_just_before_it_died_reach_the_consumer(
    client: httpx.AsyncClient, clean: Resources, broker: EmbeddedKafka
) -> None:
    """Issue 11 item 8: the broker acknowledges every event, the relay marks them published,
    and the broker is SIGKILLed before any consumer read them; it comes back empty. The
    relay sees the new broker (its topics' ids changed) and publishes again what it had
    published within the window, table and stream alike: the projection ends exact."""
    resources = isolated(clean, kafka_bootstrap_servers=broker.bootstrap_servers)
    # Holds and payments (table outbox) and their buyers' queue tokens (stream outbox),
    # all written before the relay runs, so nothing but the relay's first sends has them.
    await buyers_hold_and_pay(client, clean, buyers=5)
    streamed = [
        (fields["key"], str(event.event_id)) for fields, event in await outbox_events(clean)
    ]
    rows = await clean.pool.fetch("SELECT key, event_id FROM outbox ORDER BY id")
    tabled = [(row["key"], str(row["event_id"])) for row in rows]
    assert streamed
    assert tabled
    relay = Relay(resources)
    async with running(relay.run):
        await eventually(lambda: _all_published(resources), what="every event acknowledged")
        assert relay.broker.switches == 0
        broker.server.process.kill()  # SIGKILL, right after the acknowledgements
        broker.server.process.wait()
        killed = time.perf_counter()
        await asyncio.to_thread(restart, broker)
        print(f"\nbroker back, empty, {time.perf_counter() - killed:.2f} s after SIGKILL")
        async with running(EventConsumer(resources, SalesProjection()).run):
            await eventually(
                lambda: _projection_exact(resources), timeout=120, what="projection = database"
            )
        print(f"projection exact {time.perf_counter() - killed:.2f} s after SIGKILL")
        assert relay.broker.switches == 1
        topics = [RESERVATIONS_TOPIC, PAYMENTS_TOPIC, QUEUE_TOPIC]
        on_broker = await asyncio.to_thread(
            read_messages, resources.settings, topics, count=len(streamed) + len(tabled)
        )
    # Every event is on the new broker, in outbox order per key (stream and table).
    assert _first_seen_per_key(on_broker) == _per_key(streamed) | _per_key(tabled)
    async with clean.pool.acquire() as conn:
        assert await fault_checks.outbox_published(conn) == []
        assert await fault_checks.projection_matches_database(conn) == []


async def test_a_relay_started_after_the_broker_came_back_empty_publishes_again(
    clean: Resources, broker: EmbeddedKafka
) -> None:
    """What `seatgate dev` does after a crash of everything: the broker is new and so is
    the relay. The broker's fingerprint is kept in PostgreSQL, not in the relay."""
    resources = isolated(clean, kafka_bootstrap_servers=broker.bootstrap_servers)
    events = [seat_held(n, schedule_id=SYNTHETIC_SCHEDULE) for n in range(1, 11)]
    async with resources.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, events)
    async with running(Relay(resources).run):
        await eventually(lambda: _all_published(resources), what="every event acknowledged")
    broker.server.process.kill()
    broker.server.process.wait()
    await asyncio.to_thread(restart, broker)

    relay = Relay(resources)
    async with running(relay.run):
        await eventually(lambda: _more_than(relay.broker.switches, 0), what="the new broker seen")
        await eventually(lambda: _all_published(resources), what="published again")
    on_broker = await asyncio.to_thread(
        read_messages, resources.settings, [RESERVATIONS_TOPIC], count=len(events)
    )
    assert sorted(dict(m.headers() or [])["event_id"].decode() for m in on_broker) == sorted(
        str(event.envelope.event_id) for event in events
    )


def _per_key(events: list[tuple[str, str]]) -> dict[str, list[str]]:
    keyed: dict[str, list[str]] = {}
    for key, event_id in events:
        keyed.setdefault(key, []).append(event_id)
    return keyed


def _first_seen_per_key(messages: list[Any]) -> dict[str, list[str]]:
    """Event ids per key in the order read (a key lives on one partition), duplicates
    after their first copy left out."""
    keyed: dict[str, list[str]] = {}
    for message in messages:
        event_id = dict(message.headers() or [])["event_id"].decode()
        seen = keyed.setdefault(message.key().decode(), [])
        if event_id not in seen:
            seen.append(event_id)
    return keyed


async def _all_published(resources: Resources) -> bool:
    unpublished = await _count(resources, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
    return unpublished == 0 and await stream_backlog(resources) == 0


async def _projection_exact(resources: Resources) -> bool:
    async with resources.pool.acquire() as conn:
        return await fault_checks.projection_matches_database(conn) == []


async def _pending_metric_at_least(count: int) -> bool:
    return (REGISTRY.get_sample_value("seatgate_outbox_pending") or 0) >= count


async def _is(resources: Resources, sql: str, value: int) -> bool:
    return await _count(resources, sql) == value


async def _missing(resources: Resources, broker: EmbeddedKafka) -> list[str]:
    """The rows never applied, and where (if anywhere) each one is on the broker."""
    rows = await resources.pool.fetch(
        "SELECT id, event_id, topic, key, event_type, published_at, attempts FROM outbox o"
        " WHERE topic <> 'seatgate.queue.v1' AND NOT EXISTS"
        " (SELECT 1 FROM processed_events p WHERE p.event_id = o.event_id) ORDER BY id"
    )
    topics = sorted({row["topic"] for row in rows})
    found: dict[str, str] = {}
    if topics:
        on_broker = await asyncio.to_thread(
            read_messages, resources.settings, topics, count=10**6, timeout=5
        )
        for message in on_broker:
            headers = dict(message.headers() or [])
            event_id = headers.get("event_id", b"").decode()
            found[event_id] = f"{message.topic()}[{message.partition()}]@{message.offset()}"
    return [
        f"#{row['id']} {row['event_type']} key={row['key']} published={row['published_at']}"
        f" attempts={row['attempts']} broker={found.get(str(row['event_id']), 'absent')}"
        for row in rows
    ]


async def test_a_topic_still_missing_when_the_group_rejoins_is_consumed_once_it_is_back(
    clean: Resources, broker: EmbeddedKafka
) -> None:
    """The empty broker is back and the group rejoins before every topic is recreated.
    In the fault test above, librdkafka then assigned none of the missing topic's
    partitions and never rebalanced when it reappeared; whether it does here depends on
    its metadata timing. Either way the consumer sees the topic ids change, opens again
    once the rejoin is done (closing mid-join stalls the embedded broker's group), and
    consumes the missing topic's events."""
    resources = isolated(clean, kafka_bootstrap_servers=broker.bootstrap_servers)
    settings = resources.settings
    consumer = EventConsumer(resources, SalesProjection())
    async with running(consumer.run):
        await _publish(settings, seat_held(1))
        await eventually(lambda: _is(resources, PROCESSED, 1), what="first event")
        before = consumer.assignments

        await asyncio.to_thread(broker.stop)
        await asyncio.to_thread(restart, broker)
        # Only one of the consumer's two topics is back when the group rejoins.
        await asyncio.to_thread(_create, settings, RESERVATIONS_TOPIC)
        await eventually(
            lambda: _more_than(consumer.assignments, before), what="the group rejoined"
        )
        await asyncio.to_thread(_create, settings, PAYMENTS_TOPIC)
        # ReservationConfirmed goes to the topic that was there, PaymentCompleted to the other.
        await _publish(settings, *paid(2))
        await eventually(
            lambda: _is(resources, PROCESSED, 3), timeout=60, what="both new events processed"
        )


async def _publish(settings: Settings, *events: Occurrence) -> None:
    """With a producer of its own: one that outlived a broker restart cannot send."""
    publisher = Publisher(settings)
    publisher.start()
    messages = [
        Message(
            kafka_topic(settings, event.topic), event.key, event.envelope.model_dump_json().encode()
        )
        for event in events
    ]
    try:
        assert await publisher.publish(messages) == [None] * len(messages)
    finally:
        await publisher.close()


def _create(settings: Settings, topic: str) -> None:
    """One topic (blocking), as the first of a broker's clients to come back would."""
    admin = AdminClient(admin_config(settings))
    new = NewTopic(kafka_topic(settings, topic), num_partitions=settings.kafka_topic_partitions)
    try:
        admin.create_topics([new])[new.topic].result(10)
    except KafkaException as error:
        if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise


async def _more_than(value: int, floor: int) -> bool:
    return value > floor
