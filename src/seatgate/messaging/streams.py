"""Every stream outbox: one per hash tag (per concert), found through the registry set.

On a Redis Cluster a waiting-room script can only append to a stream in its own slot, so
there is one stream per concert (messaging/outbox.py). The relay reads each one as
before (stream.py: a lease per stream, its own consumer group, record and re-publish
cursor, all keys of the stream's slot), so order per Kafka key holds within a stream,
and every key of the waiting room is a key of one concert.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from seatgate.messaging.outbox import registry_key
from seatgate.messaging.stream import StreamOutbox
from seatgate.resources import RedisClient


class StreamOutboxes:
    """The reader's side of every registered stream, one StreamOutbox each."""

    def __init__(
        self,
        redis: RedisClient,
        *,
        prefix: str,
        owner: uuid.UUID,
        record_seconds: int = 0,
    ) -> None:
        self._redis = redis
        self.registry_key = registry_key(prefix)
        self._owner = owner
        self._record_seconds = record_seconds
        self._known: dict[str, StreamOutbox] = {}

    async def discover(self) -> list[StreamOutbox]:
        """Every registered stream, in a stable order."""
        members = sorted(_text(name) for name in await self._redis.smembers(self.registry_key))
        self._known = {name: self._known.get(name) or self._outbox(name) for name in members}
        return list(self._known.values())

    def _outbox(self, stream_key: str) -> StreamOutbox:
        return StreamOutbox(
            self._redis,
            stream_key=stream_key,
            owner=self._owner,
            record_seconds=self._record_seconds,
        )

    async def schedule_republish(self, since: datetime) -> None:
        for stream in await self.discover():
            await stream.schedule_republish(since)

    async def pending(self) -> tuple[int, float | None]:
        """Entries not yet published over every stream, and the age of the oldest."""
        total, oldest = 0, None
        for stream in await self.discover():
            count, age = await stream.pending()
            total += count
            if age is not None and (oldest is None or age > oldest):
                oldest = age
        return total, oldest

    async def resign(self) -> None:
        for stream in self._known.values():
            await stream.resign()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
