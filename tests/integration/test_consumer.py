"""The sales projection consumer: effects once, bad messages to the DLQ, replay after a fix."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from prometheus_client import REGISTRY

from seatgate.messaging import outbox
from seatgate.messaging.consumer import EventConsumer
from seatgate.messaging.dlq import replay
from seatgate.messaging.envelope import PAYMENTS_TOPIC, RESERVATIONS_TOPIC
from seatgate.messaging.kafka import consumer_config, kafka_topic
from seatgate.messaging.lag import report_lag
from seatgate.messaging.projection import SalesProjection
from seatgate.messaging.relay import Relay
from seatgate.observability.metrics import consumer_lag
from seatgate.resources import Resources
from tests.integration.messaging_helpers import (
    direct_stream,
    eventually,
    isolated,
    paid,
    read_messages,
    running,
    seat_held,
    xadd_event,
)

DLQ = RESERVATIONS_TOPIC + ".dlq"


async def _processed(resources: Resources) -> int:
    return int(await resources.pool.fetchval("SELECT count(*) FROM processed_events"))


async def _sales(resources: Resources, schedule_id: int) -> dict[str, int] | None:
    row = await resources.pool.fetchrow(
        "SELECT holds, releases, confirmations, revenue FROM sales_by_schedule"
        " WHERE schedule_id = $1",
        schedule_id,
    )
    return None if row is None else dict(row)


async def test_each_event_takes_effect_once_even_when_delivered_twice(clean: Resources) -> None:
    resources = isolated(clean)
    first, second = seat_held(1), seat_held(2)
    async with resources.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [first, second, *paid(1)])
    consumer = EventConsumer(resources, SalesProjection())
    async with running(Relay(resources).run, consumer.run):
        await eventually(lambda: _count_is(resources, 4), what="4 events processed")
        # The same event again (a relay retry would look like this), then a marker of the
        # same key: once the marker is applied, the duplicate was seen before it.
        await xadd_event(resources, first)
        await xadd_event(resources, seat_held(3, seat_id=1))
        await eventually(lambda: _count_is(resources, 5), what="the marker processed")
    assert await _sales(resources, 1) == {
        "holds": 3,
        "releases": 0,
        "confirmations": 1,
        "revenue": 1000,
    }


async def _count_is(resources: Resources, count: int) -> bool:
    return await _processed(resources) == count


async def test_messages_that_do_not_match_the_schema_go_to_the_dlq(clean: Resources) -> None:
    resources = isolated(clean)
    bad = seat_held(1).envelope.model_dump(mode="json")
    bad["data"]["price"] = -5
    stream = await direct_stream(resources)
    await resources.redis.xadd(
        stream, {"topic": RESERVATIONS_TOPIC, "key": "1", "event": json.dumps(bad)}
    )
    await resources.redis.xadd(stream, {"topic": RESERVATIONS_TOPIC, "key": "2", "event": "{oops"})
    async with (
        running(Relay(resources).run, EventConsumer(resources, SalesProjection()).run),
    ):
        parked = await asyncio.to_thread(read_messages, resources.settings, [DLQ], count=2)
    errors = sorted(dict(message.headers())["dlq.error"].decode() for message in parked)
    assert errors[0].startswith("invalid: data: price")
    assert errors[1].startswith("invalid: envelope")
    assert await _processed(resources) == 0


@pytest.mark.slow
async def test_a_poison_message_is_parked_and_replayed_after_the_fix(clean: Resources) -> None:
    resources = isolated(clean, consumer_max_attempts=2)
    trigger = f"refuse_{uuid.uuid4().hex[:8]}"
    # A defect stands in for a bug: every write of schedule 666's sales fails.
    await resources.pool.execute(
        f"""
        CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.schedule_id = 666 THEN RAISE EXCEPTION 'schedule 666 is cursed'; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON sales_by_schedule
            FOR EACH ROW EXECUTE FUNCTION {trigger}();
        """
    )
    try:
        async with resources.pool.acquire() as conn, conn.transaction():
            await outbox.append(conn, [seat_held(1), seat_held(2, schedule_id=666), seat_held(3)])
        consumer = EventConsumer(resources, SalesProjection())
        async with running(Relay(resources).run, consumer.run):
            parked = await asyncio.to_thread(read_messages, resources.settings, [DLQ], count=1)
            await eventually(lambda: _count_is(resources, 2), what="healthy events processed")
            headers = dict(parked[0].headers())
            assert b"schedule 666 is cursed" in headers["dlq.error"]
            assert headers["dlq.attempts"] == b"2"
            assert await _sales(resources, 666) is None

            await resources.pool.execute(
                f"DROP TRIGGER {trigger} ON sales_by_schedule; DROP FUNCTION {trigger}()"
            )
            replayed = await asyncio.to_thread(
                replay, resources.settings, topics=[RESERVATIONS_TOPIC]
            )
            assert replayed == 1
            await eventually(lambda: _count_is(resources, 3), what="the replayed event processed")
        assert await _sales(resources, 666) == {
            "holds": 1,
            "releases": 0,
            "confirmations": 0,
            "revenue": 0,
        }
        assert (await _sales(resources, 1) or {})["holds"] == 2
    finally:
        await resources.pool.execute(
            f"DROP TRIGGER IF EXISTS {trigger} ON sales_by_schedule;"
            f" DROP FUNCTION IF EXISTS {trigger}()"
        )


async def test_lag_is_the_distance_to_the_log_end(clean: Resources) -> None:
    resources = isolated(clean)
    async with resources.pool.acquire() as conn, conn.transaction():
        await outbox.append(conn, [seat_held(n, seat_id=1) for n in range(1, 6)])
    async with running(Relay(resources).run):
        await eventually(lambda: _all_published(resources), what="5 rows published")
    reservations = kafka_topic(resources.settings, RESERVATIONS_TOPIC)
    payments = kafka_topic(resources.settings, PAYMENTS_TOPIC)
    # A value left from before a rebalance took this topic's partitions elsewhere.
    consumer_lag.labels("lag-test", payments).set(7)
    lag = await asyncio.to_thread(_lag_after_reading_one, resources, [reservations, payments])
    assert lag == {reservations: 4, payments: 0}
    for topic, expected in ((reservations, 4), (payments, 0)):
        labels = {"group": "lag-test", "topic": topic}
        assert REGISTRY.get_sample_value("seatgate_consumer_lag", labels) == expected


async def _all_published(resources: Resources) -> bool:
    unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    return await resources.pool.fetchval(unpublished) == 0


def _lag_after_reading_one(resources: Resources, subscribed: list[str]) -> dict[str, int]:
    """Only the reservations topic's partitions are assigned."""
    settings = resources.settings
    consumer = Consumer(consumer_config(settings, "lag-test", **{"fetch.wait.max.ms": 10}))
    topic = kafka_topic(settings, RESERVATIONS_TOPIC)
    consumer.assign(
        [TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(settings.kafka_topic_partitions)]
    )
    try:
        read = []
        deadline = time.monotonic() + 60
        while not read:
            assert time.monotonic() < deadline, "no message read from the assigned topic in 60 s"
            read = [m for m in consumer.consume(1, 1.0) if m.error() is None]
        return report_lag(consumer, "lag-test", subscribed)
    finally:
        consumer.close()


def test_each_topic_prefix_has_its_own_consumer_group(clean: Resources) -> None:
    staging, other = isolated(clean), isolated(clean)
    groups = [EventConsumer(r, SalesProjection()).group for r in (clean, staging, other)]
    assert groups[0] == "seatgate-sales-projection"
    assert groups[1] == staging.settings.kafka_topic_prefix + "seatgate-sales-projection"
    assert len(set(groups)) == 3
