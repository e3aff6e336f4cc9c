"""Every event type, from its real producer to the consumer's schema.

Each event is produced the way the product produces it (service and SQL statement, or
Lua script, on the real PostgreSQL and Redis), read back the way the relay reads it, and
parsed with the consumers' `parse_event`: a field a statement or script fills in that
does not match its class would dead-letter the event in every consumer. The list of
types comes from the classes, so a new event type fails here until it is produced.
"""

from __future__ import annotations

import time
import uuid

import httpx
import orjson

from seatgate.messaging import repository
from seatgate.messaging.envelope import Envelope, Event
from seatgate.messaging.projection import SalesProjection
from seatgate.messaging.schemas import EVENT_TYPES, parse_event
from seatgate.messaging.streams import StreamOutboxes
from seatgate.queue import admission
from seatgate.queue import service as queue
from seatgate.reservations import service as reservations
from seatgate.resources import Resources
from tests.factories import auth
from tests.integration.reservation_helpers import (
    RICH,
    a_hall,
    admitted_guests,
    hold,
    lapse,
    pay,
    waiting_guests,
)

Published = tuple[str, str, bytes]  # topic, Kafka key, message value


async def _produce_every_event(client: httpx.AsyncClient, resources: Resources) -> None:
    [hall] = await a_hall(resources, seats=4)
    buyer, sweeper, retaker = await admitted_guests(resources, hall.concert_id, 3, balance=RICH)
    held = await hold(client, buyer, hall, seat=0)
    paid = await pay(client, buyer, held["reservation_id"])  # and the token expires: PAID
    assert paid.status_code == 201, paid.text
    lapsed = await hold(client, sweeper, hall, seat=1)
    await lapse(resources, lapsed["reservation_id"])
    assert await reservations.expire_holds(resources.pool) == 1
    taken_over = await hold(client, sweeper, hall, seat=2)
    await lapse(resources, taken_over["reservation_id"])
    await hold(client, retaker, hall, seat=2)  # releases the lapsed hold first
    charged = await client.post(
        "/api/v1/users/me/balance/charge", json={"amount": 500}, headers=auth(buyer.user)
    )
    assert charged.status_code == 200, charged.text
    [leaver, _stays_idle] = await waiting_guests(resources, hall.concert_id, 2)
    await queue.leave(resources, token=leaver.queue_token, user_id=leaver.user_id)
    # An hour on, the idle waiter and the ACTIVE tokens are past their windows.
    assert await admission.expire(resources, now=time.time() + 3600) >= 2


async def _published(resources: Resources) -> list[Published]:
    """What the relay would send, read through its own claim and stream reader."""
    rows = await repository.claim(resources.pool, uuid.uuid4(), limit=100, lease_seconds=30)
    messages = [(row.topic, row.key, orjson.dumps(row.envelope)) for row in rows]
    streams = StreamOutboxes(
        resources.redis, prefix=resources.settings.redis_key_prefix, owner=uuid.uuid4()
    )
    entries = []
    for stream in await streams.discover():
        assert await stream.lead(5.0)
        entries += await stream.next_batch(100, block_ms=None)
    return messages + [(entry.topic, entry.key, entry.event) for entry in entries]


def _check(topic: str, key: str, raw: bytes) -> tuple[Envelope, Event]:
    envelope, event = parse_event(raw, topic=topic)  # InvalidEvent: the DLQ
    event_type = type(event)
    assert envelope.type == event_type.__name__
    # Every declared field came from the producer and none it did not declare.
    assert set(envelope.data) == set(event_type.model_fields), envelope.type
    assert key == f"{event_type.key_prefix}{envelope.data[event_type.key_field]}"
    assert envelope.aggregate_id == str(envelope.data[event_type.aggregate_field])
    return envelope, event


async def test_every_event_type_round_trips_from_its_producer_to_the_consumer_schema(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    await _produce_every_event(client, clean)
    parsed = [_check(*message) for message in await _published(clean)]

    produced = {envelope.type for envelope, _ in parsed}
    assert produced == {event_type.__name__ for event_type in EVENT_TYPES}
    reasons = {
        str(envelope.data["reason"])
        for envelope, _ in parsed
        if envelope.type == "QueueTokenExpired"
    }
    assert reasons == {"PAID", "LEFT", "IDLE", "TTL"}

    # The consumer's effect applies too (a failure there would dead-letter the event).
    projection = SalesProjection()
    consumed = [item for item in parsed if item[1].topic in projection.topics]
    async with clean.pool.acquire() as conn, conn.transaction():
        await projection.apply(conn, consumed)
    sales = await clean.pool.fetchrow(
        "SELECT holds, releases, confirmations, revenue FROM sales_by_schedule"
    )
    assert sales is not None
    price = next(e.data["price"] for e, _ in parsed if e.type == "ReservationConfirmed")
    assert dict(sales) == {"holds": 4, "releases": 2, "confirmations": 1, "revenue": price}
