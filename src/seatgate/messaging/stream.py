"""One stream of the waiting room's outbox (one per concert, streams.py): a Redis stream
with fields `topic`, `key`, `event`. Every key below is the stream's key plus a suffix, so
all lie in the stream's slot of a Redis Cluster.

One relay at a time reads it (a Redis lease), so entries of one key leave in stream
order. It reads through a consumer group: entries handed out but not acknowledged
(a relay that died, a send that failed) stay pending, and the next reader takes
them over with XAUTOCLAIM before reading new ones. An entry is removed (XACK + XDEL)
only after the broker acknowledged it, and in the same step copied to a record
(`<stream>:published`) kept for `record_seconds`: if the broker loses what it had
acknowledged (broker_watch.py), `schedule_republish` marks the record's recent part,
and the reader sends it again before any new entry, so order per key holds.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from redis.exceptions import ResponseError

from seatgate.messaging.outbox import APPEND_EVENT_LUA
from seatgate.resources import RedisClient

GROUP = "seatgate-relay"

RENEW_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""


# The record's bound besides its window: the waiting room can append thousands of events
# a second in an on-sale burst, and 300 s of them would take Redis hundreds of MB.
RECORD_MAX_ENTRIES = 200_000

# Acknowledged entries leave the stream and enter the record, trimmed to the window and
# RECORD_MAX_ENTRIES, but never while a re-publish is still to do. KEYS: stream, record,
# republish. ARGV: group, oldest ms to keep, most entries, then id, topic, key, event of
# each entry.
PUBLISHED_LUA = (
    APPEND_EVENT_LUA
    + """
local replaying = redis.call('EXISTS', KEYS[3]) == 1
for i = 4, #ARGV, 4 do
  append_event(KEYS[2], i + 1, nil)
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
if not replaying then
  redis.call('XTRIM', KEYS[2], 'MINID', '~', ARGV[2])
  redis.call('XTRIM', KEYS[2], 'MAXLEN', '~', ARGV[3])
end
return 1
"""
)

# Mark the record from `ARGV[1]` ms to its last entry for re-publishing; a re-publish
# already under way starts again from the older of the two. KEYS: record, republish.
SCHEDULE_LUA = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 then return 0 end
local from = ARGV[1]
local current = redis.call('HGET', KEYS[2], 'from_ms')
if current and tonumber(current) < tonumber(from) then from = current end
redis.call('HSET', KEYS[2], 'from_ms', from, 'next', from .. '-0', 'until', last[1][1])
return 1
"""

# Past `ARGV[2]`, unless someone scheduled anew meanwhile (`next` changed). KEYS: republish.
ADVANCE_LUA = """
if redis.call('HGET', KEYS[1], 'next') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'until') == ARGV[2] then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'next', '(' .. ARGV[2])
end
return 1
"""


@dataclass(frozen=True)
class StreamEntry:
    id: str
    topic: str
    key: str
    event: bytes


@dataclass(frozen=True)
class Replay:
    """A batch of the record to send again: read at cursor `next`, up to `last_id`."""

    next: str
    last_id: str
    entries: list[StreamEntry]


class StreamOutbox:
    """The reader's side of the stream. Raw entries (`Any` below) are (id, fields) pairs of
    bytes, whose shape redis-py types per protocol; `_entry` turns them into StreamEntry."""

    def __init__(
        self,
        redis: RedisClient,
        *,
        stream_key: str,
        owner: uuid.UUID,
        record_seconds: int = 0,
    ) -> None:
        self._redis = redis
        self.stream_key = stream_key
        self.lock_key = stream_key + ":relay-lock"
        self.dead_key = stream_key + ":dead"
        self.record_key = stream_key + ":published"
        self.republish_key = stream_key + ":republish"
        self._owner = str(owner)
        self._record_seconds = record_seconds
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

    async def next_batch(self, count: int, block_ms: int | None) -> list[StreamEntry]:
        """Pending entries first (in stream order), else new ones (waiting up to `block_ms`
        for some; None: not at all)."""
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
            # The client speaks RESP2, where the reply is [[stream, entries]].
            raw = cast(list[Any], reply)[0][1] if reply else []
        return await self._entries(raw)

    async def _entries(self, raw: list[Any]) -> list[StreamEntry]:
        entries = []
        for entry_id, fields in raw:
            if not fields:
                await self._redis.xack(self.stream_key, GROUP, entry_id)  # deleted while pending
                continue
            entry = _entry((entry_id, fields))
            if entry is None:
                await self._bury(entry_id, fields)
                continue
            entries.append(entry)
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

    async def published(self, entries: list[StreamEntry]) -> None:
        """The broker acknowledged these: remove them, keeping a copy in the record."""
        if not self._record_seconds:
            await self.remove([entry.id for entry in entries])
            return
        if not entries:
            return
        keep = int(time.time() * 1000) - self._record_seconds * 1000
        values: list[str | int | bytes] = [GROUP, keep, RECORD_MAX_ENTRIES]
        for entry in entries:
            values += [entry.id, entry.topic, entry.key, entry.event]
        keys = [self.stream_key, self.record_key, self.republish_key]
        await self._redis.eval(PUBLISHED_LUA, len(keys), *keys, *values)

    async def schedule_republish(self, since: datetime) -> None:
        """Entries recorded since `since` go again before any new one."""
        since_ms = max(0, int(since.timestamp() * 1000))
        await self._redis.eval(SCHEDULE_LUA, 2, self.record_key, self.republish_key, since_ms)

    async def republish_batch(self, count: int) -> Replay | None:
        """The next entries to send again, oldest first; None when nothing is scheduled."""
        stored = await self._redis.hgetall(self.republish_key)
        cursor = {_text(name): _text(value) for name, value in stored.items()}
        if "next" not in cursor:
            return None
        raw = await self._redis.xrange(
            self.record_key, min=cursor["next"], max=cursor["until"], count=count
        )
        if not raw:  # done, or trimmed away
            await self._redis.eval(
                ADVANCE_LUA, 1, self.republish_key, cursor["next"], cursor["until"]
            )
            return None
        entries = [entry for entry in map(_entry, raw) if entry is not None]
        return Replay(cursor["next"], _text(raw[-1][0]), entries)

    async def republished(self, replay: Replay) -> None:
        """The broker acknowledged all of `replay`: move the cursor past it."""
        await self._redis.eval(ADVANCE_LUA, 1, self.republish_key, replay.next, replay.last_id)

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


def _entry(raw: tuple[Any, Any]) -> StreamEntry | None:
    """An entry of the stream or the record; None if it cannot be routed."""
    entry_id, fields = raw
    values = {_text(name): value for name, value in (fields or {}).items()}
    topic, key, event = values.get("topic"), values.get("key"), values.get("event")
    if topic is None or event is None:
        return None
    return StreamEntry(
        id=_text(entry_id),
        topic=_text(topic),
        key=_text(key) if key is not None else "",
        event=event if isinstance(event, bytes) else str(event).encode(),
    )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
