"""The event envelope every topic carries, and which topic each event type goes to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RESERVATIONS_TOPIC = "seatgate.reservations.v1"
PAYMENTS_TOPIC = "seatgate.payments.v1"
QUEUE_TOPIC = "seatgate.queue.v1"
TOPICS = (RESERVATIONS_TOPIC, PAYMENTS_TOPIC, QUEUE_TOPIC)
DLQ_SUFFIX = ".dlq"

TOPIC_BY_TYPE: dict[str, str] = {
    "QueueTokenIssued": QUEUE_TOPIC,
    "QueueTokenAdmitted": QUEUE_TOPIC,
    "QueueTokenExpired": QUEUE_TOPIC,
    "SeatHeld": RESERVATIONS_TOPIC,
    "SeatReleased": RESERVATIONS_TOPIC,
    "ReservationConfirmed": RESERVATIONS_TOPIC,
    "ReservationExpired": RESERVATIONS_TOPIC,
    "PaymentCompleted": PAYMENTS_TOPIC,
    "BalanceCharged": PAYMENTS_TOPIC,
}

# Fixed namespace so that the same fact always gets the same event_id (dedupe key).
EVENT_NAMESPACE = uuid.UUID("6f1c2b9e-7d4a-4f0e-9a51-5e7c0d3b2a18")


class Envelope(BaseModel):
    """`{event_id, type, occurred_at, aggregate_id, version, data}` — DESIGN.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    type: str
    occurred_at: datetime
    aggregate_id: str = Field(min_length=1)
    version: int = Field(ge=1)
    data: dict[str, Any]

    @property
    def topic(self) -> str:
        return TOPIC_BY_TYPE[self.type]


def event_id_for(event_type: str, aggregate_id: str, fact: str) -> uuid.UUID:
    """Deterministic id: the same fact recorded twice dedupes downstream."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{event_type}|{aggregate_id}|{fact}")


def make_event(
    event_type: str,
    aggregate_id: str | int,
    data: dict[str, Any],
    *,
    fact: str,
    version: int = 1,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Build an envelope; `fact` distinguishes occurrences of one type on one aggregate."""
    if event_type not in TOPIC_BY_TYPE:
        raise ValueError(f"unknown event type {event_type!r}")
    aggregate = str(aggregate_id)
    return Envelope(
        event_id=event_id_for(event_type, aggregate, fact),
        type=event_type,
        occurred_at=occurred_at or datetime.now(UTC),
        aggregate_id=aggregate,
        version=version,
        data=data,
    )
