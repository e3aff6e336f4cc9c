"""Reading the catalog, and seeding demo and load-test data."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

import asyncpg

from seatgate.catalog import repository
from seatgate.catalog.schemas import (
    Concert,
    Sale,
    Schedule,
    Seat,
    SeatList,
    SeatStatus,
    SeededSchedule,
    SeedResult,
)
from seatgate.db.pool import create_pool
from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import Conflict, Forbidden, NotFound
from seatgate.settings import Settings

MAX_CONCERTS_LISTED = 500
SEAT_BATCH = 50_000

Progress = Callable[[int, int], None]


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


async def sale(pool: asyncpg.Pool, *, concert_id: int) -> Sale | None:
    """The concert's on-sale, None if there is no such concert."""
    row = await repository.sale(pool, concert_id)
    return None if row is None else Sale(**row._asdict())


async def schedule_sale(
    pool: asyncpg.Pool, *, concert_id: int, opens_at: datetime, seed: bytes
) -> Sale:
    """Set when the sale opens; `seed` is kept only if the concert had none yet."""
    row = await repository.schedule_sale(pool, concert_id, opens_at=opens_at, seed=seed)
    if row is not None:
        return Sale(**row._asdict())
    if await repository.concert_exists(pool, concert_id):
        raise Conflict(f"The sale of concert {concert_id} has opened and its line was shuffled")
    raise NotFound(f"Concert {concert_id} does not exist")


async def due_sales(pool: asyncpg.Pool, *, now: datetime) -> list[Sale]:
    """Scheduled sales whose opening has come and whose pre-queue was not shuffled yet."""
    return [Sale(**row._asdict()) for row in await repository.due_sales(pool, now=now)]


async def sellable_seats(pool: asyncpg.Pool, *, concert_ids: list[int]) -> dict[int, int | None]:
    """Seats each concert could sell now; None for a concert with no seat at all."""
    if not concert_ids:
        return {}
    return await repository.sellable(pool, concert_ids)


async def record_shuffle(pool: asyncpg.Pool, *, concert_id: int, shuffled_at: datetime) -> None:
    await repository.record_shuffle(pool, concert_id, shuffled_at=shuffled_at)


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


async def seed(
    pool: asyncpg.Pool,
    *,
    concerts: int,
    schedules: int,
    seats: int,
    progress: Progress | None = None,
) -> SeedResult:
    """Idempotent: the same arguments twice create nothing the second time.

    Seats go in batches of `SEAT_BATCH`, each its own short transaction: one statement of
    150,000 seats or more used to outlast the statement timeout. `progress(done, total)`
    is called after each batch (seats of this seed present so far, of all it asks for).
    """
    async with UnitOfWork(pool) as uow:
        concerts_created, schedules_created = await repository.seed_catalog(
            uow.conn, concerts=concerts, schedules=schedules
        )
        await uow.commit()
    planned = await repository.seeded_schedules(pool, concerts=concerts, schedules=schedules)
    total = len(planned) * seats
    done = sum(min(row.seats, seats) for row in planned)
    seats_created = 0
    for row in planned:
        if row.seats >= seats:
            continue  # seeded before: numbers are unique per schedule, so it is complete
        for first in range(1, seats + 1, SEAT_BATCH):
            last = min(first + SEAT_BATCH - 1, seats)
            created = await repository.seed_seat_batch(
                pool, schedule_id=row.schedule_id, first=first, last=last
            )
            seats_created += created
            done += created
            if progress is not None:
                progress(done, total)
    if concerts_created or schedules_created or seats_created:
        # Fresh statistics, or the planner keeps the plans of empty tables until
        # autovacuum's next pass, which under load test costs the first minutes.
        await repository.refresh_statistics(pool)
    rows = await repository.seeded_schedules(pool, concerts=concerts, schedules=schedules)
    return SeedResult(
        concerts_created=concerts_created,
        schedules_created=schedules_created,
        seats_created=seats_created,
        schedules=[SeededSchedule(**row._asdict()) for row in rows],
    )


def seed_now(
    settings: Settings,
    concerts: int,
    schedules: int,
    seats: int,
    progress: Progress | None = None,
) -> tuple[SeedResult, float]:
    """`seed` on a pool of its own, for callers outside an event loop (`seatgate seed`,
    `seatgate dev`, the load test's preflight); returns the result and the seconds it took."""
    started = time.perf_counter()
    result = asyncio.run(_seed_on_own_pool(settings, concerts, schedules, seats, progress))
    return result, time.perf_counter() - started


async def _seed_on_own_pool(
    settings: Settings, concerts: int, schedules: int, seats: int, progress: Progress | None
) -> SeedResult:
    pool = await create_pool(settings, min_size=1)
    try:
        return await seed(
            pool, concerts=concerts, schedules=schedules, seats=seats, progress=progress
        )
    finally:
        await pool.close()
