"""Shared by the relay, consumer and events tests: isolated topics, events, readers."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from seatgate.messaging import outbox
from seatgate.messaging.envelope import Occurrence
from seatgate.messaging.kafka import consumer_config, kafka_topic
from seatgate.messaging.topics import ensure_topics
from seatgate.payments.events import PaymentCompleted
from seatgate.reservations.events import ReservationConfirmed, SeatHeld
from seatgate.resources import Resources
from seatgate.settings import Settings
from tests.conditions import eventually as eventually  # noqa: PLC0414 - re-exported


def isolated(resources: Resources, **overrides: Any) -> Resources:
    """The same connections with topics of their own, so tests never read each other's."""
    settings = resources.settings.model_copy(
        update={
            "kafka_topic_prefix": f"t{uuid.uuid4().hex[:8]}.",
            "kafka_session_timeout_ms": 6000,
            **overrides,
        }
    )
    return Resources(settings=settings, pool=resources.pool, redis=resources.redis)


def seat_held(
    reservation_id: int, *, schedule_id: int = 1, price: int = 1000, seat_id: int | None = None
) -> Occurrence:
    """A SeatHeld of seat `seat_id` (the reservation's id unless given): keyed `seat:<id>`."""
    return SeatHeld(
        reservation_id=reservation_id,
        user_id=1,
        seat_id=reservation_id if seat_id is None else seat_id,
        schedule_id=schedule_id,
        concert_id=7,
        price=price,
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
    ).occurred(fact=f"held-{reservation_id}")


def paid(reservation_id: int, *, schedule_id: int = 1, amount: int = 1000) -> list[Occurrence]:
    data = {
        "reservation_id": reservation_id,
        "user_id": 1,
        "seat_id": reservation_id,
        "schedule_id": schedule_id,
        "concert_id": 7,
        "price": amount,
        "payment_id": reservation_id,
        "amount": amount,
    }
    fact = f"paid-{reservation_id}"
    return [
        ReservationConfirmed(**data).occurred(fact=fact),
        PaymentCompleted(**data).occurred(fact=fact),
    ]


async def direct_stream(resources: Resources, tag: str = "c:0") -> str:
    """The stream outbox the tests append to themselves (any tag will do for the relay),
    registered as the waiting room registers its concerts' streams."""
    prefix = resources.settings.redis_key_prefix
    stream = outbox.stream_key(prefix, tag)
    await resources.redis.sadd(outbox.registry_key(prefix), stream)
    return stream


async def stream_backlog(resources: Resources) -> int:
    """Entries not yet published, over every registered stream outbox."""
    names = await resources.redis.smembers(outbox.registry_key(resources.settings.redis_key_prefix))
    return sum([int(await resources.redis.xlen(name)) for name in names])


async def xadd_event(
    resources: Resources, event: Occurrence, *, key: str | None = None, tag: str = "c:0"
) -> None:
    """An entry of the stream outbox tagged `tag` as the waiting room's scripts append it
    (any event type will do for the relay), under its own key unless `key` is given."""
    await resources.redis.xadd(
        await direct_stream(resources, tag),
        {
            "topic": event.topic,
            "key": key or event.key,
            "event": event.envelope.model_dump_json(),
        },
    )


def read_messages(
    settings: Settings, topics: list[str], *, count: int, timeout: float = 30.0
) -> list[Any]:
    """Read `count` messages of these logical topics from the beginning (blocking).

    Partitions are assigned, not subscribed, so no group join delays the read."""
    ensure_topics(settings)
    consumer = Consumer(consumer_config(settings, f"test-reader-{uuid.uuid4().hex[:8]}"))
    consumer.assign(
        [
            TopicPartition(kafka_topic(settings, topic), partition, OFFSET_BEGINNING)
            for topic in topics
            for partition in range(settings.kafka_topic_partitions)
        ]
    )
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(messages) < count and time.monotonic() < deadline:
            for message in consumer.consume(500, 0.5):
                if message.error() is None:
                    messages.append(message)
    finally:
        consumer.close()
    return messages


@contextlib.asynccontextmanager
async def running(
    *workers: Callable[[asyncio.Event], Awaitable[None]],
) -> AsyncIterator[asyncio.Event]:
    """Run workers as tasks for the block; stop them and surface a crash at the end."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(worker(stop)) for worker in workers]
    try:
        yield stop
    finally:
        stop.set()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome
