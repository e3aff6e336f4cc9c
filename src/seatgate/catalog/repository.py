"""SQL for concerts, schedules and seats.

A seat whose hold has lapsed (HELD, expires_at <= now()) reads as AVAILABLE before
the sweep releases it: the hold statement takes such a seat over (reservations).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from seatgate.db.executor import Executor, row_count

LIST_CONCERTS_SQL = """
SELECT id AS concert_id, title, artist, venue, sale_opens_at
FROM concerts WHERE id > $1 ORDER BY id LIMIT $2
"""

SALE_SQL = """
SELECT id AS concert_id, sale_opens_at AS opens_at, sale_seed AS seed,
       sale_shuffled_at AS shuffled_at
FROM concerts WHERE id = $1
"""

# The seed is drawn once: rescheduling keeps the commitment already published. A sale
# whose pre-queue was shuffled cannot be moved.
SCHEDULE_SALE_SQL = """
UPDATE concerts SET sale_opens_at = $2, sale_seed = coalesce(sale_seed, $3)
WHERE id = $1 AND sale_shuffled_at IS NULL
RETURNING id AS concert_id, sale_opens_at AS opens_at, sale_seed AS seed,
          sale_shuffled_at AS shuffled_at
"""

# Through concerts_sale_due_idx: scheduled sales not yet shuffled.
DUE_SALES_SQL = """
SELECT id AS concert_id, sale_opens_at AS opens_at, sale_seed AS seed,
       sale_shuffled_at AS shuffled_at
FROM concerts
WHERE sale_opens_at IS NOT NULL AND sale_shuffled_at IS NULL AND sale_opens_at <= $1
ORDER BY sale_opens_at LIMIT 100
"""

# What each concert could still sell: AVAILABLE seats and lapsed holds (as available_seats
# counts them). A concert without any seat yet has nothing on sale: NULL, not sold out.
SELLABLE_SQL = """
SELECT c.id AS concert_id,
       CASE WHEN EXISTS (SELECT 1 FROM schedules sc JOIN seats s ON s.schedule_id = sc.id
                         WHERE sc.concert_id = c.id)
            THEN (SELECT count(*) FROM schedules sc JOIN seats s ON s.schedule_id = sc.id
                   WHERE sc.concert_id = c.id AND s.status = 'AVAILABLE')
               + (SELECT count(*) FROM reservations r
                   WHERE r.status = 'HELD' AND r.expires_at <= now() AND r.concert_id = c.id)
       END AS seats
FROM unnest($1::bigint[]) AS c(id)
"""

RECORD_SHUFFLE_SQL = """
UPDATE concerts SET sale_shuffled_at = $2 WHERE id = $1 AND sale_shuffled_at IS NULL
"""

# Counting through seats_schedule_status_idx and reservations_held_expiry_idx: a
# per-schedule counter row would be written by every hold and serialise them all.
SCHEDULE_COLUMNS = """
SELECT sc.id AS schedule_id, sc.concert_id, sc.starts_at,
       (SELECT count(*) FROM seats s
         WHERE s.schedule_id = sc.id AND s.status = 'AVAILABLE')
     + (SELECT count(*) FROM reservations r
         WHERE r.status = 'HELD' AND r.expires_at <= now() AND r.schedule_id = sc.id)
       AS available_seats
FROM schedules sc
"""
LIST_SCHEDULES_SQL = SCHEDULE_COLUMNS + "WHERE sc.concert_id = $1 ORDER BY sc.starts_at, sc.id"
GET_SCHEDULE_SQL = SCHEDULE_COLUMNS + "WHERE sc.id = $1"

SCHEDULE_CONCERT_SQL = "SELECT concert_id FROM schedules WHERE id = $1"

LIST_SEATS_SQL = """
SELECT s.id AS seat_id, s.number, s.price,
       CASE WHEN s.status = 'HELD' AND r.expires_at <= now() THEN 'AVAILABLE'
            ELSE s.status END AS status
FROM seats s
LEFT JOIN reservations r ON r.id = s.reservation_id AND s.status = 'HELD'
WHERE s.schedule_id = $1
  AND ($2::text IS NULL
       OR (s.status = $2 AND NOT (s.status = 'HELD' AND r.expires_at <= now()) IS TRUE)
       OR ($2 = 'AVAILABLE' AND s.status = 'HELD' AND r.expires_at <= now()))
ORDER BY s.number
"""

# Natural keys (title, (concert, starts_at), (schedule, number)) make seeding idempotent.
SEED_CONCERTS_SQL = """
INSERT INTO concerts (title, artist, venue)
SELECT format('seatgate demo concert %s', i), format('Artist %s', i), 'Seoul Arena'
FROM generate_series(1, $1::int) AS i
ON CONFLICT (title) DO NOTHING
"""

SEED_SCHEDULES_SQL = """
INSERT INTO schedules (concert_id, starts_at)
SELECT c.id, timestamptz '2030-01-01 19:00+09' + make_interval(days => d - 1)
FROM concerts c, generate_series(1, $2::int) AS d
WHERE c.title = ANY (SELECT format('seatgate demo concert %s', i)
                     FROM generate_series(1, $1::int) AS i)
ON CONFLICT (concert_id, starts_at) DO NOTHING
"""

# One batch of one schedule's seats, numbers first..last: a statement whose cost does not
# grow with the table (its index insertions all land at the right end of their trees),
# so 5,000,000 seats are many short statements, each well inside the statement timeout.
SEED_SEAT_BATCH_SQL = """
INSERT INTO seats (schedule_id, number, price)
SELECT $1::bigint, n, CASE WHEN n <= 10 THEN 150000 WHEN n <= 30 THEN 120000 ELSE 90000 END
FROM generate_series($2::int, $3::int) AS n
ORDER BY n  -- contiguous seat ids per schedule, so a printed range is meaningful
ON CONFLICT (schedule_id, number) DO NOTHING
"""

SEEDED_SCHEDULES_SQL = """
SELECT sc.id AS schedule_id, sc.concert_id, count(s.id) AS seats,
       min(s.id) AS first_seat_id, max(s.id) AS last_seat_id
FROM schedules sc
JOIN concerts c ON c.id = sc.concert_id
LEFT JOIN seats s ON s.schedule_id = sc.id
WHERE c.title = ANY (SELECT format('seatgate demo concert %s', i)
                     FROM generate_series(1, $1::int) AS i)
  AND sc.starts_at < timestamptz '2030-01-01 19:00+09' + make_interval(days => $2::int)
GROUP BY sc.id, sc.concert_id
ORDER BY sc.concert_id, sc.id
"""


class ConcertRow(NamedTuple):
    concert_id: int
    title: str
    artist: str
    venue: str
    sale_opens_at: datetime | None


class SaleRow(NamedTuple):
    concert_id: int
    opens_at: datetime | None  # None: open from the start
    seed: bytes | None
    shuffled_at: datetime | None


class ScheduleRow(NamedTuple):
    schedule_id: int
    concert_id: int
    starts_at: datetime
    available_seats: int


class SeatRow(NamedTuple):
    seat_id: int
    number: int
    price: int
    status: str  # as the seat reads now: a lapsed hold is AVAILABLE


class SeededScheduleRow(NamedTuple):
    schedule_id: int
    concert_id: int
    seats: int
    first_seat_id: int | None  # None for a schedule without seats
    last_seat_id: int | None


async def list_concerts(conn: Executor, *, after: int, limit: int) -> list[ConcertRow]:
    return [ConcertRow(**row) for row in await conn.fetch(LIST_CONCERTS_SQL, after, limit)]


async def concert_exists(conn: Executor, concert_id: int) -> bool:
    found = await conn.fetchval("SELECT EXISTS (SELECT 1 FROM concerts WHERE id = $1)", concert_id)
    return bool(found)


async def sale(conn: Executor, concert_id: int) -> SaleRow | None:
    row = await conn.fetchrow(SALE_SQL, concert_id)
    return None if row is None else SaleRow(**row)


async def schedule_sale(
    conn: Executor, concert_id: int, *, opens_at: datetime, seed: bytes
) -> SaleRow | None:
    """None when there is no such concert or its sale was already shuffled."""
    row = await conn.fetchrow(SCHEDULE_SALE_SQL, concert_id, opens_at, seed)
    return None if row is None else SaleRow(**row)


async def due_sales(conn: Executor, *, now: datetime) -> list[SaleRow]:
    return [SaleRow(**row) for row in await conn.fetch(DUE_SALES_SQL, now)]


async def sellable(conn: Executor, concert_ids: list[int]) -> dict[int, int | None]:
    rows = await conn.fetch(SELLABLE_SQL, concert_ids)
    return {int(row["concert_id"]): row["seats"] for row in rows}


async def record_shuffle(conn: Executor, concert_id: int, *, shuffled_at: datetime) -> None:
    await conn.execute(RECORD_SHUFFLE_SQL, concert_id, shuffled_at)


async def list_schedules(conn: Executor, concert_id: int) -> list[ScheduleRow]:
    return [ScheduleRow(**row) for row in await conn.fetch(LIST_SCHEDULES_SQL, concert_id)]


async def get_schedule(conn: Executor, schedule_id: int) -> ScheduleRow | None:
    row = await conn.fetchrow(GET_SCHEDULE_SQL, schedule_id)
    return None if row is None else ScheduleRow(**row)


async def schedule_concert(conn: Executor, schedule_id: int) -> int | None:
    concert_id = await conn.fetchval(SCHEDULE_CONCERT_SQL, schedule_id)
    return None if concert_id is None else int(concert_id)


async def list_seats(conn: Executor, schedule_id: int, status: str | None) -> list[SeatRow]:
    return [SeatRow(**row) for row in await conn.fetch(LIST_SEATS_SQL, schedule_id, status)]


async def seed_catalog(conn: Executor, *, concerts: int, schedules: int) -> tuple[int, int]:
    """Insert the concerts and schedules that are missing; returns how many were new."""
    new_concerts = row_count(await conn.execute(SEED_CONCERTS_SQL, concerts))
    new_schedules = row_count(await conn.execute(SEED_SCHEDULES_SQL, concerts, schedules))
    return new_concerts, new_schedules


async def seed_seat_batch(conn: Executor, *, schedule_id: int, first: int, last: int) -> int:
    """Insert seats first..last of a schedule that are missing; returns how many were new."""
    return row_count(await conn.execute(SEED_SEAT_BATCH_SQL, schedule_id, first, last))


async def refresh_statistics(conn: Executor) -> None:
    await conn.execute("ANALYZE concerts, schedules, seats")


async def seeded_schedules(
    conn: Executor, *, concerts: int, schedules: int
) -> list[SeededScheduleRow]:
    rows = await conn.fetch(SEEDED_SCHEDULES_SQL, concerts, schedules)
    return [SeededScheduleRow(**row) for row in rows]
