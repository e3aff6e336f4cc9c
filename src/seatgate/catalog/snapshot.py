"""A schedule's seat map as every viewer gets it: one read of PostgreSQL per schedule
(and status filter) per `MAX_AGE_SECONDS` in each worker, served as ready JSON bytes
with an ETag, instead of a query and a serialisation per viewer.

A snapshot may show a seat as AVAILABLE for up to `MAX_AGE_SECONDS` after someone held
it; nothing is decided from it. The hold's guarded UPDATE stays the arbiter and answers
409 SEAT_UNAVAILABLE to whoever comes second (docs/decisions/0008).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import orjson

from seatgate.catalog import repository
from seatgate.errors import NotFound

MAX_AGE_SECONDS = 0.25


@dataclass(frozen=True)
class SeatMap:
    concert_id: int
    body: bytes  # the SeatList JSON
    etag: str
    taken_at: float


class SeatMaps:
    """The snapshots of one worker; concurrent viewers of a stale one share one refresh."""

    def __init__(
        self, *, max_age: float = MAX_AGE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_age = max_age
        self._clock = clock
        self._maps: dict[tuple[int, str | None], SeatMap | None] = {}
        self._refreshing: dict[tuple[int, str | None], asyncio.Future[SeatMap | None]] = {}

    async def get(self, pool: asyncpg.Pool, *, schedule_id: int, status: str | None) -> SeatMap:
        key = (schedule_id, status)
        found = self._fresh(key)
        if found is None:
            found = await self._refresh(pool, key)
        if found is None:
            raise NotFound(f"Schedule {schedule_id} does not exist")
        return found

    def _fresh(self, key: tuple[int, str | None]) -> SeatMap | None:
        seat_map = self._maps.get(key)
        if seat_map is not None and self._clock() - seat_map.taken_at < self._max_age:
            return seat_map
        return None

    async def _refresh(self, pool: asyncpg.Pool, key: tuple[int, str | None]) -> SeatMap | None:
        pending = self._refreshing.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[SeatMap | None] = asyncio.get_running_loop().create_future()
        self._refreshing[key] = future
        try:
            seat_map = await _read(pool, *key, taken_at=self._clock())
            self._maps[key] = seat_map
            future.set_result(seat_map)
            return seat_map
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved here: a refresh nobody else awaited is no warning
            raise
        finally:
            del self._refreshing[key]


async def _read(
    pool: asyncpg.Pool, schedule_id: int, status: str | None, *, taken_at: float
) -> SeatMap | None:
    async with pool.acquire() as conn:
        concert_id = await repository.schedule_concert(conn, schedule_id)
        if concert_id is None:
            return None
        rows = await repository.list_seats(conn, schedule_id, status)
    body = orjson.dumps(
        {
            "schedule_id": schedule_id,
            "concert_id": concert_id,
            "seats": [row._asdict() for row in rows],
        }
    )
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    return SeatMap(concert_id, body, etag, taken_at)
