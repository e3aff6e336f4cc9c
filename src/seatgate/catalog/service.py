"""Reading the catalog, and seeding demo and load-test data."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from seatgate.catalog import repository
from seatgate.catalog.schemas import (
    Concert,
    Schedule,
    Seat,
    SeatList,
    SeatStatus,
    SeededSchedule,
    SeedResult,
)
from seatgate.db.pool import create_pool
from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import Forbidden, NotFound
from seatgate.settings import Settings

MAX_CONCERTS_LISTED = 500


async def list_concerts(
    pool: asyncpg.Pool, *, after: int = 0, limit: int = MAX_CONCERTS_LISTED
) -> tuple[list[Concert], bool]:
    """A page of concerts by id, after `after`; True when more follow."""
    rows = await repository.list_concerts(pool, after=after, limit=limit + 1)
    return [Concert(**row._asdict()) for row in rows[:limit]], len(rows) > limit


async def list_schedules(pool: asyncpg.Pool, *, concert_id: int) -> list[Schedule]:
    async with pool.acquire() as conn:
        rows = await repository.list_schedules(conn, concert_id)
        if not rows and not await repository.concert_exists(conn, concert_id):
            raise NotFound(f"Concert {concert_id} does not exist")
    return [Schedule(**row._asdict()) for row in rows]


async def get_schedule(pool: asyncpg.Pool, *, schedule_id: int) -> Schedule:
    row = await repository.get_schedule(pool, schedule_id)
    if row is None:
        raise NotFound(f"Schedule {schedule_id} does not exist")
    return Schedule(**row._asdict())


async def concert_exists(pool: asyncpg.Pool, *, concert_id: int) -> bool:
    return await repository.concert_exists(pool, concert_id)


async def list_seats(
    pool: asyncpg.Pool, *, schedule_id: int, token_concert_id: int, status: SeatStatus | None
) -> SeatList:
    async with pool.acquire() as conn:
        concert_id = await repository.schedule_concert(conn, schedule_id)
        if concert_id is None:
            raise NotFound(f"Schedule {schedule_id} does not exist")
        if concert_id != token_concert_id:
            raise Forbidden("The queue token admits you to another concert")
        rows = await repository.list_seats(conn, schedule_id, status.value if status else None)
    return SeatList(
        schedule_id=schedule_id,
        concert_id=concert_id,
        seats=[Seat(**row._asdict()) for row in rows],
    )


async def seed(pool: asyncpg.Pool, *, concerts: int, schedules: int, seats: int) -> SeedResult:
    """Idempotent: the same arguments twice create nothing the second time."""
    async with UnitOfWork(pool) as uow:
        created = await repository.seed(
            uow.conn, concerts=concerts, schedules=schedules, seats=seats
        )
        rows = await repository.seeded_schedules(uow.conn, concerts=concerts, schedules=schedules)
        await uow.commit()
    if any(created):
        # Fresh statistics, or the planner keeps the plans of empty tables until
        # autovacuum's next pass, which under load test costs the first minutes.
        await repository.refresh_statistics(pool)
    return SeedResult(
        concerts_created=created[0],
        schedules_created=created[1],
        seats_created=created[2],
        schedules=[SeededSchedule(**row._asdict()) for row in rows],
    )


def seed_now(
    settings: Settings, concerts: int, schedules: int, seats: int
) -> tuple[SeedResult, float]:
    """`seed` on a pool of its own, for callers outside an event loop (`seatgate seed`,
    `seatgate dev`, the load test's preflight); returns the result and the seconds it took."""
    started = time.perf_counter()
    result = asyncio.run(_seed_on_own_pool(settings, concerts, schedules, seats))
    return result, time.perf_counter() - started


async def _seed_on_own_pool(
    settings: Settings, concerts: int, schedules: int, seats: int
) -> SeedResult:
    pool = await create_pool(settings, min_size=1)
    try:
        return await seed(pool, concerts=concerts, schedules=schedules, seats=seats)
    finally:
        await pool.close()
