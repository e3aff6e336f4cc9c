"""Writing to the outbox: always through the connection of the change's own transaction."""

from __future__ import annotations

from typing import Any

from seatgate.messaging.envelope import Envelope

INSERT_SQL = """
INSERT INTO outbox (event_id, topic, key, event_type, envelope)
SELECT e.event_id, e.topic, e.key, e.event_type, e.envelope
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
     AS e(event_id, topic, key, event_type, envelope)
ON CONFLICT (event_id) DO NOTHING
"""


def outbox_columns(events: list[Envelope], keys: list[str]) -> tuple[list[Any], ...]:
    return (
        [event.event_id for event in events],
        [event.topic for event in events],
        keys,
        [event.type for event in events],
        [event.model_dump(mode="json") for event in events],
    )


async def record(conn: Any, *events: Envelope, key: str | None = None) -> None:
    """Append events to the outbox inside the caller's transaction.

    The Kafka key defaults to each event's aggregate id, which keeps per-aggregate order.
    """
    if not events:
        return
    keys = [key or event.aggregate_id for event in events]
    await conn.execute(INSERT_SQL, *outbox_columns(list(events), keys))
