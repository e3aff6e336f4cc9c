"""A user holds and pays; the events arrive on their topics with the documented envelope,
and the consumer's effect happens once even when they are delivered again."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import httpx

from seatgate.messaging.consumer import EventConsumer
from seatgate.messaging.envelope import PAYMENTS_TOPIC, QUEUE_TOPIC, RESERVATIONS_TOPIC
from seatgate.messaging.kafka import logical_topic
from seatgate.messaging.projection import SalesProjection
from seatgate.messaging.relay import Relay
from seatgate.messaging.schemas import parse_event
from seatgate.resources import Resources
from tests.integration.messaging_helpers import eventually, isolated, read_messages, running
from tests.integration.reservation_helpers import buyers_hold_and_pay

ENVELOPE_FIELDS = {"event_id", "type", "occurred_at", "aggregate_id", "version", "data"}


async def test_hold_and_pay_events_arrive_with_the_envelope_and_apply_once(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    resources = isolated(clean)
    hall, [payment] = await buyers_hold_and_pay(client, clean, buyers=1, seats=2)
    consumer = EventConsumer(resources, SalesProjection())

    async with running(Relay(resources).run, consumer.run):
        messages = await asyncio.to_thread(
            read_messages,
            resources.settings,
            [RESERVATIONS_TOPIC, PAYMENTS_TOPIC, QUEUE_TOPIC],
            count=6,  # held, confirmed, paid; token issued, admitted, expired by payment
        )
        await eventually(lambda: _processed_is(resources, 3), what="3 events applied")
        # Deliver everything again, as a relay that crashed before marking would.
        await resources.pool.execute("UPDATE outbox SET published_at = NULL")
        await eventually(lambda: _handled(consumer, 6), what="the duplicates consumed")

    arrived: dict[str, tuple[str, Any]] = {}
    for message in messages:
        topic = logical_topic(resources.settings, message.topic())
        envelope, data = parse_event(message.value(), topic=topic)
        assert set(json.loads(message.value())) == ENVELOPE_FIELDS
        assert envelope.version == 1
        arrived[envelope.type] = (topic, data)
    assert arrived["SeatHeld"][0] == RESERVATIONS_TOPIC
    assert arrived["ReservationConfirmed"][0] == RESERVATIONS_TOPIC
    assert arrived["PaymentCompleted"][0] == PAYMENTS_TOPIC
    assert arrived["PaymentCompleted"][1].payment_id == payment["payment_id"]
    assert arrived["PaymentCompleted"][1].amount == payment["amount"]
    assert {"QueueTokenIssued", "QueueTokenAdmitted", "QueueTokenExpired"} <= set(arrived)

    sales = await clean.pool.fetchrow(
        "SELECT holds, confirmations, revenue FROM sales_by_schedule WHERE schedule_id = $1",
        hall.schedule_id,
    )
    assert dict(sales) == {"holds": 1, "confirmations": 1, "revenue": payment["amount"]}
    kinds = Counter(
        row["event_type"]
        for row in await clean.pool.fetch(
            "SELECT o.event_type FROM processed_events p JOIN outbox o USING (event_id)"
        )
    )
    assert kinds == {"SeatHeld": 1, "ReservationConfirmed": 1, "PaymentCompleted": 1}


async def _processed_is(resources: Resources, count: int) -> bool:
    return await resources.pool.fetchval("SELECT count(*) FROM processed_events") == count


async def _handled(consumer: EventConsumer, count: int) -> bool:
    return consumer.handled >= count
