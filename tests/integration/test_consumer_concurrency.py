"""Two relays and two consumers over 10,000 events: no loss, no duplicate effect."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from seatgate.messaging import outbox
from seatgate.messaging.consumer import EventConsumer
from seatgate.messaging.envelope import Occurrence
from seatgate.messaging.projection import SalesProjection
from seatgate.messaging.relay import Relay
from seatgate.payments.events import PaymentCompleted
from seatgate.reservations.events import ReservationConfirmed
from seatgate.resources import Resources
from tests.integration.messaging_helpers import (
    direct_stream,
    eventually,
    isolated,
    running,
    seat_held,
    stream_backlog,
)

SCHEDULES = 20
TABLE_EVENTS = 9000
STREAM_EVENTS = 1000


def _events(first: int, count: int) -> list[Occurrence]:
    """Holds, and for every third hold its confirmation and payment."""
    events: list[Occurrence] = []
    reservation = first
    while len(events) < count:
        schedule = reservation % SCHEDULES + 1
        events.append(seat_held(reservation, schedule_id=schedule, price=reservation))
        if reservation % 3 == 0 and len(events) + 2 <= count:
            data = {
                "reservation_id": reservation,
                "user_id": 1,
                "seat_id": reservation,
                "schedule_id": schedule,
                "concert_id": 7,
                "price": reservation,
                "payment_id": reservation,
                "amount": reservation,
            }
            fact = f"paid-{reservation}"
            events.append(ReservationConfirmed(**data).occurred(fact=fact))
            events.append(PaymentCompleted(**data).occurred(fact=fact))
        reservation += 1
    return events


def _expected(occurrences: list[Occurrence]) -> dict[int, dict[str, int]]:
    expected: dict[int, Counter[str]] = {}
    for event in (occurrence.envelope for occurrence in occurrences):
        totals = expected.setdefault(event.data["schedule_id"], Counter())
        if event.type == "SeatHeld":
            totals["holds"] += 1
        elif event.type == "ReservationConfirmed":
            totals["confirmations"] += 1
        elif event.type == "PaymentCompleted":
            totals["revenue"] += event.data["amount"]
    return {
        schedule: {name: totals[name] for name in ("holds", "confirmations", "revenue")}
        for schedule, totals in expected.items()
    }


async def _processed(resources: Resources) -> int:
    return int(await resources.pool.fetchval("SELECT count(*) FROM processed_events"))


@pytest.mark.slow
async def test_two_relays_and_two_consumers_lose_nothing_and_apply_nothing_twice(
    clean: Resources,
) -> None:
    resources = isolated(clean)
    table_events = _events(1, TABLE_EVENTS)
    stream_events = _events(100_000, STREAM_EVENTS)

    async def write_table_rows(events: list[Occurrence]) -> None:
        for start in range(0, len(events), 100):
            async with resources.pool.acquire() as conn, conn.transaction():
                await outbox.append(conn, events[start : start + 100])
            await asyncio.sleep(0.05)

    async def write_table() -> None:
        half = len(table_events) // 2
        await write_table_rows(table_events[:half])
        # The rest waits until the late consumer owns partitions, so both consumers must
        # take part whatever the machine's speed (a fixed sleep raced the first one).
        await eventually(
            lambda: _assigned(second), timeout=60, what="the late consumer got partitions"
        )
        await write_table_rows(table_events[half:])

    async def write_stream() -> None:
        key = await direct_stream(resources)
        for start in range(0, len(stream_events), 100):
            async with resources.redis.pipeline(transaction=True) as pipe:
                for event in stream_events[start : start + 100]:
                    fields = {
                        "topic": event.topic,
                        "key": event.key,
                        "event": event.envelope.model_dump_json(),
                    }
                    pipe.xadd(key, fields)  # type: ignore[arg-type]
                await pipe.execute()

    first = EventConsumer(resources, SalesProjection())
    second = EventConsumer(resources, SalesProjection())

    async def join_late(stop: asyncio.Event) -> None:
        # Joining mid-stream forces a rebalance: partitions change hands with
        # uncommitted messages, which the new owner receives again.
        await eventually(lambda: _handled_some(first), timeout=60, what="the first consumer read")
        await second.run(stop)

    async with running(Relay(resources).run, Relay(resources).run, first.run, join_late):
        await asyncio.gather(write_table(), write_stream())
        await eventually(
            lambda: _all_processed(resources, TABLE_EVENTS + STREAM_EVENTS),
            timeout=90,
            what="10,000 events processed",
        )

    unpublished = await resources.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    )
    assert unpublished == 0
    assert await stream_backlog(resources) == 0
    rows = await resources.pool.fetch(
        "SELECT schedule_id, holds, confirmations, revenue FROM sales_by_schedule"
    )
    actual = {
        row["schedule_id"]: {name: row[name] for name in ("holds", "confirmations", "revenue")}
        for row in rows
    }
    assert actual == _expected(table_events + stream_events)
    assert first.handled > 0
    assert second.handled > 0


async def _assigned(consumer: EventConsumer) -> bool:
    return consumer.assignments > 0


async def _handled_some(consumer: EventConsumer) -> bool:
    return consumer.handled > 0


async def _all_processed(resources: Resources, count: int) -> bool:
    return await _processed(resources) >= count
