"""Every event type, gathered from the features: consumers parse with `parse_event`, and
docs/events/*.json is generated from the classes.

    python -m seatgate.messaging.schemas [--check] [--out docs/events]

`--check` fails if the committed files differ from what the classes generate.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, create_model

from seatgate.messaging.envelope import Envelope, Event
from seatgate.payments.events import PaymentCompleted
from seatgate.queue.events import QueueTokenAdmitted, QueueTokenExpired, QueueTokenIssued
from seatgate.reservations.events import (
    ReservationConfirmed,
    ReservationExpired,
    SeatHeld,
    SeatReleased,
)
from seatgate.users.events import BalanceCharged

EVENT_TYPES: tuple[type[Event], ...] = (
    QueueTokenIssued,
    QueueTokenAdmitted,
    QueueTokenExpired,
    SeatHeld,
    SeatReleased,
    ReservationConfirmed,
    ReservationExpired,
    PaymentCompleted,
    BalanceCharged,
)
EVENT_TYPE_BY_NAME: dict[str, type[Event]] = {cls.__name__: cls for cls in EVENT_TYPES}
DOCS = Path("docs/events")
RUN = "python -m seatgate.messaging.schemas"


class InvalidEvent(ValueError):
    """A message that does not match the documented envelope and data schema."""


def parse_event(raw: bytes | str, *, topic: str | None = None) -> tuple[Envelope, Event]:
    """The envelope and its typed data, or InvalidEvent saying what does not match."""
    try:
        envelope = Envelope.model_validate_json(raw)
    except ValidationError as error:
        raise InvalidEvent(f"envelope: {_first(error)}") from None
    event_type = EVENT_TYPE_BY_NAME.get(envelope.type)
    if event_type is None:
        raise InvalidEvent(f"type: unknown event type {envelope.type!r}")
    if envelope.version != event_type.version:
        raise InvalidEvent(f"version: {envelope.version} is not supported")
    if topic is not None and event_type.topic != topic:
        raise InvalidEvent(f"type: {envelope.type} does not belong on {topic}")
    try:
        data = event_type.model_validate(envelope.data)
    except ValidationError as error:
        raise InvalidEvent(f"data: {_first(error)}") from None
    return envelope, data


def _first(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(root)"
    return f"{where}: {first['msg']}"


def event_model(event_type: type[Event]) -> type[BaseModel]:
    """The full envelope of one event type, with `type` fixed and `data` typed."""
    name = event_type.__name__
    return create_model(
        f"{name}Envelope",
        __base__=Envelope,
        __doc__=f"{name} on topic {event_type.topic}.",
        type=(Literal[name], ...),  # type: ignore[arg-type]  # a Literal built per event type
        data=(event_type, ...),
    )


def schema_documents() -> dict[str, str]:
    """File name -> JSON Schema text, for docs/events/."""
    documents = {"envelope.json": Envelope.model_json_schema()}
    for event_type in EVENT_TYPES:
        envelope = event_model(event_type).model_json_schema()
        documents[f"{event_type.__name__}.json"] = {**envelope, "title": event_type.__name__}
    return {name: _dump(schema) for name, schema in documents.items()}


def _dump(schema: dict[str, Any]) -> str:  # JSON Schema, as pydantic types it
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    documents = schema_documents()
    # A file of an event type that no longer exists is stale too.
    leftover = sorted({path.name for path in args.out.glob("*.json")} - set(documents))
    if args.check:
        stale = leftover + [
            name for name, text in documents.items() if _read(args.out / name) != text
        ]
        if stale:
            print(f"stale in {args.out}: {', '.join(stale)}; run: {RUN}", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (args.out / name).write_text(text, encoding="utf-8")
    for name in leftover:
        (args.out / name).unlink()
    return 0


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    raise SystemExit(main())
