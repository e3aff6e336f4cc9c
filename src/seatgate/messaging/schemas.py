"""The `data` of each event type, described once; docs/events/*.json is exported from here.

Producers build `data` with these models (`SeatHeldData(...).model_dump(mode="json")`);
consumers validate with `parse_event`. Unknown extra fields are allowed so that a
producer may add a field in the same version without breaking older consumers;
removing or changing a field needs a new `version`.

Regenerate the JSON Schema files with `python -m seatgate.messaging.schemas docs/events`.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from seatgate.messaging.envelope import TOPIC_BY_TYPE, Envelope

Id = int


class EventData(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


# --- waiting room (seatgate.queue.v1) -------------------------------------------------------
class QueueTokenData(EventData):
    token: str = Field(min_length=1)
    concert_id: Id
    user_id: Id


class QueueTokenIssuedData(QueueTokenData):
    sequence: int = Field(ge=0, description="Place in the concert's line (monotonic).")


class QueueTokenAdmittedData(QueueTokenData):
    expires_at: datetime


class QueueTokenExpiredData(QueueTokenData):
    reason: str = Field(description="e.g. TTL, IDLE, PAID, LEFT")


# --- reservations (seatgate.reservations.v1) ------------------------------------------------
class ReservationData(EventData):
    reservation_id: Id
    user_id: Id
    seat_id: Id
    schedule_id: Id
    concert_id: Id


class SeatHeldData(ReservationData):
    price: int = Field(ge=0)
    expires_at: datetime


class SeatReleasedData(ReservationData):
    reason: str = Field(description="EXPIRED or CANCELLED")


class ReservationConfirmedData(ReservationData):
    price: int = Field(ge=0)
    payment_id: Id


class ReservationExpiredData(ReservationData):
    pass


# --- payments (seatgate.payments.v1) ------------------------------------------------------
class PaymentCompletedData(EventData):
    payment_id: Id
    reservation_id: Id
    user_id: Id
    seat_id: Id
    schedule_id: Id
    concert_id: Id
    amount: int = Field(ge=0)


class BalanceChargedData(EventData):
    user_id: Id
    amount: int = Field(gt=0)
    balance: int = Field(ge=0, description="Balance after the charge.")


DATA_MODELS: dict[str, type[EventData]] = {
    "QueueTokenIssued": QueueTokenIssuedData,
    "QueueTokenAdmitted": QueueTokenAdmittedData,
    "QueueTokenExpired": QueueTokenExpiredData,
    "SeatHeld": SeatHeldData,
    "SeatReleased": SeatReleasedData,
    "ReservationConfirmed": ReservationConfirmedData,
    "ReservationExpired": ReservationExpiredData,
    "PaymentCompleted": PaymentCompletedData,
    "BalanceCharged": BalanceChargedData,
}
SUPPORTED_VERSIONS = frozenset({1})


class InvalidEvent(ValueError):
    """A message that does not match the documented envelope and data schema."""


def parse_event(raw: bytes | str, *, topic: str | None = None) -> tuple[Envelope, EventData]:
    """The envelope and its typed data, or InvalidEvent saying what does not match."""
    try:
        envelope = Envelope.model_validate_json(raw)
    except ValidationError as error:
        raise InvalidEvent(f"envelope: {_first(error)}") from None
    model = DATA_MODELS.get(envelope.type)
    if model is None:
        raise InvalidEvent(f"type: unknown event type {envelope.type!r}")
    if envelope.version not in SUPPORTED_VERSIONS:
        raise InvalidEvent(f"version: {envelope.version} is not supported")
    if topic is not None and TOPIC_BY_TYPE[envelope.type] != topic:
        raise InvalidEvent(f"type: {envelope.type} does not belong on {topic}")
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as error:
        raise InvalidEvent(f"data: {_first(error)}") from None
    return envelope, data


def _first(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(root)"
    return f"{where}: {first['msg']}"


def event_model(event_type: str) -> type[BaseModel]:
    """The full envelope of one event type, with `type` fixed and `data` typed."""
    return create_model(
        event_type,
        __base__=Envelope,
        __doc__=f"{event_type} on topic {TOPIC_BY_TYPE[event_type]}.",
        type=(Literal[event_type], ...),  # type: ignore[arg-type]
        data=(DATA_MODELS[event_type], ...),
    )


def schema_documents() -> dict[str, str]:
    """File name -> JSON Schema text, for docs/events/."""
    documents = {"envelope.json": Envelope.model_json_schema()}
    for event_type in DATA_MODELS:
        documents[f"{event_type}.json"] = event_model(event_type).model_json_schema()
    return {name: _dump(schema) for name, schema in documents.items()}


def _dump(schema: dict[str, Any]) -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_documents().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/events")
    for path in export(target):
        print(path)
