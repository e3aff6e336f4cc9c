"""The waiting room's events, on seatgate.queue.v1, keyed by concert: one concert's line
reaches consumers in the order it moved."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from seatgate.messaging.envelope import QUEUE_TOPIC, Event


class QueueTokenEvent(Event):
    """What every waiting-room event says: whose token for which concert."""

    topic = QUEUE_TOPIC
    aggregate_field = "token"
    key_field = "concert_id"

    token: str = Field(min_length=1)
    user_id: int
    concert_id: int


class QueueTokenIssued(QueueTokenEvent):
    """A user joined a concert's line."""

    sequence: int = Field(ge=0, description="Place in the concert's line (monotonic).")


class QueueTokenAdmitted(QueueTokenEvent):
    """A token left the line: its owner may choose seats until `expires_at`."""

    sequence: int = Field(ge=0, description="Place it had in the concert's line.")
    expires_at: datetime


class QueueTokenExpired(QueueTokenEvent):
    """A token is spent: it lapsed, its owner stopped polling, paid or left."""

    reason: str = Field(description="e.g. TTL, IDLE, PAID, LEFT")
