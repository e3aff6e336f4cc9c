"""The wire: topic names, the envelope every topic carries, and the base of every event.

Each event type is a class in its feature's `events.py` (reservations, payments, users,
queue). Its fields are the envelope's `data`; the class knows its topic, its aggregate
and its Kafka key. `messaging/schemas.py` gathers them for consumers and docs/events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

RESERVATIONS_TOPIC = "seatgate.reservations.v1"
PAYMENTS_TOPIC = "seatgate.payments.v1"
QUEUE_TOPIC = "seatgate.queue.v1"
TOPICS = (RESERVATIONS_TOPIC, PAYMENTS_TOPIC, QUEUE_TOPIC)
DLQ_SUFFIX = ".dlq"

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
    # JSON of the shape its event type's class defines (schemas.parse_event checks it).
    data: dict[str, Any]


def event_id_for(event_type: str, aggregate_id: str, fact: str) -> uuid.UUID:
    """Deterministic id: the same fact recorded twice dedupes downstream."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{event_type}|{aggregate_id}|{fact}")


class Event(BaseModel):
    """The `data` of one event type; the class name is the type (`SeatHeld`).

    Consumers accept fields they do not know, so that a producer may add a field in the
    same version without breaking older consumers; removing or changing a field needs a
    new `version`.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    topic: ClassVar[str]
    version: ClassVar[int] = 1
    # The aggregate and the Kafka key are fields of the data: the key is `key_prefix` and
    # that field's value, a rule the SQL writer applies as well (messaging/outbox.py).
    aggregate_field: ClassVar[str]
    key_field: ClassVar[str]
    key_prefix: ClassVar[str] = ""

    def occurred(self, *, fact: str, at: datetime | None = None) -> Occurrence:
        """This event as it goes to an outbox; `fact` names the occurrence (its event_id)."""
        return Occurrence.of(type(self), self, fact=fact, at=at)

    @classmethod
    def partial(cls, known: BaseModel, *, fact: str, at: datetime | None = None) -> Occurrence:
        """This event with only the fields of `known`: the statement or script that writes
        it decides the others and fills them in (the round-trip test proves they do)."""
        foreign = set(type(known).model_fields) - set(cls.model_fields)
        if foreign:
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(foreign))}")
        return Occurrence.of(cls, known, fact=fact, at=at)


@dataclass(frozen=True)
class Occurrence:
    """One event on its way to an outbox: its type and its envelope."""

    event_type: type[Event]
    envelope: Envelope

    @classmethod
    def of(
        cls, event_type: type[Event], data: BaseModel, *, fact: str, at: datetime | None
    ) -> Occurrence:
        values = data.model_dump(mode="json")
        aggregate = str(values[event_type.aggregate_field])
        name = event_type.__name__
        envelope = Envelope(
            event_id=event_id_for(name, aggregate, fact),
            type=name,
            occurred_at=at or datetime.now(UTC),
            aggregate_id=aggregate,
            version=event_type.version,
            data=values,
        )
        return cls(event_type, envelope)

    @property
    def topic(self) -> str:
        return self.event_type.topic

    @property
    def key(self) -> str:
        """The Kafka key, when the key's field is among the fields known here."""
        return f"{self.event_type.key_prefix}{self.envelope.data[self.event_type.key_field]}"
