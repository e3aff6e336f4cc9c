"""The waiting room's outbox: a Redis stream with fields `topic`, `key`, `event`.

One relay at a time reads it (a Redis lease), so entries of one key leave in stream
order. It reads through a consumer group: entries handed out but not acknowledged
(a relay that died, a send that failed) stay pending, and the next reader takes
them over with XAUTOCLAIM before reading new ones. An entry is removed (XACK + XDEL)
only after the broker acknowledged it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ResponseError

GROUP = "seatgate-relay"

RENEW_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""


@dataclass(frozen=True)
class StreamEntry:
    id: str
    topic: str
    key: str
    event: bytes


class StreamOutbox:
    def __init__(self, redis: Any, *, stream_key: str, owner: uuid.UUID) -> None:
        self._redis = redis
        self.stream_key = stream_key
        self.lock_key = stream_key + ":relay-lock"
        self.dead_key = stream_key + ":dead"
        self._owner = str(owner)
        self._group_ready = False

    async def lead(self, lease_seconds: float) -> bool:
        """Take or renew the reader lease; False while another relay holds it."""
        held = await self._redis.eval(
            RENEW_LUA, 1, self.lock_key, self._owner, int(lease_seconds * 1000)
        )
        return bool(held)

    async def resign(self) -> None:
        await self._redis.eval(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end"
            " return 0",
            1,
            self.lock_key,
            self._owner,
        )

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self._redis.xgroup_create(self.stream_key, GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._group_ready = True

    async def next_batch(self, count: int, block_ms: int) -> list[StreamEntry]:
        """Pending entries first (in stream order), else new ones."""
        await self._ensure_group()
        try:
            claimed = await self._redis.xautoclaim(
                self.stream_key, GROUP, self._owner, min_idle_time=0, start_id="0-0", count=count
            )
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            self._group_ready = False
            return []
        raw = claimed[1]
        if not raw:
            reply = await self._redis.xreadgroup(
                GROUP, self._owner, {self.stream_key: ">"}, count=count, block=block_ms
            )
            raw = reply[0][1] if reply else []
        return await self._entries(raw)

    async def _entries(self, raw: list[Any]) -> list[StreamEntry]:
        entries = []
        for entry_id, fields in raw:
            if not fields:
                await self._redis.xack(self.stream_key, GROUP, entry_id)  # deleted while pending
                continue
            values = {_text(name): value for name, value in fields.items()}
            topic, key, event = values.get("topic"), values.get("key"), values.get("event")
            if topic is None or event is None:
                await self._bury(entry_id, fields)
                continue
            entries.append(
                StreamEntry(
                    id=_text(entry_id),
                    topic=_text(topic),
                    key=_text(key) if key is not None else "",
                    event=event if isinstance(event, bytes) else str(event).encode(),
                )
            )
        return entries

    async def _bury(self, entry_id: Any, fields: dict[Any, Any]) -> None:
        """An entry the relay cannot route is kept aside for a human, not dropped."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.dead_key, {**fields, "original_id": entry_id})
            pipe.xack(self.stream_key, GROUP, entry_id)
            pipe.xdel(self.stream_key, entry_id)
            await pipe.execute()

    async def remove(self, ids: list[str]) -> None:
        if not ids:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream_key, GROUP, *ids)
            pipe.xdel(self.stream_key, *ids)
            await pipe.execute()

    async def pending(self) -> tuple[int, float | None]:
        """Entries not yet published, and the age in seconds of the oldest."""
        length = int(await self._redis.xlen(self.stream_key))
        if not length:
            return 0, None
        first = await self._redis.xrange(self.stream_key, count=1)
        if not first:
            return length, None
        millis = int(_text(first[0][0]).split("-", 1)[0])
        return length, max(0.0, time.time() - millis / 1000)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
