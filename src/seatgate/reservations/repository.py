"""SQL for seat holds, their expiry and reading them back.

The seat row decides a hold: `UPDATE seats ... WHERE status = 'AVAILABLE'` lets
exactly one concurrent transaction through (the others wait on the row lock and
re-check the guard against the winner's version); the partial unique index
`reservations_one_live_per_seat` is the last line behind it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from seatgate.db.executor import Executor
from seatgate.messaging import outbox
from seatgate.messaging.envelope import Occurrence

# The SeatHeld row, completed with the reservation id, price and expiry the hold
# statement decides (its event_id is drawn there too: outbox.insert_sql's `aggregate`).
SEAT_HELD_OUTBOX = outbox.insert_sql(
    first_param=6,
    rows="reservation r",
    fill="jsonb_build_object('reservation_id', r.id, 'price', r.price, 'expires_at', r.expires_at)",
    aggregate="r.id",
)

# One statement, so one transaction and one round trip: guarded seat update (which draws
# the reservation id, only for a hold that is made), the reservation, and its SeatHeld
# outbox row. Only what decides the hold is read: each parameter is compared with one
# row found by its primary key, so PostgreSQL keeps one generic plan for it instead of
# planning every execution (a join to reservations here made the generic plan a scan,
# and every hold paid ~1 ms of planning: ADR 0007). Why a hold was refused is read only
# then (SEAT_STATE_SQL). Before the concert's sale opens the guard refuses too. The
# user's ticket count for the concert (ticket_counts) goes up
# in the same statement: its CHECK against the limit written with it fails the whole
# statement past the limit, and a concurrent hold of the same user waits on that row and
# re-checks against the first one's count (migration 0005).
HOLD_SQL = f"""
WITH held AS (
    UPDATE seats s
    SET status = 'HELD', reservation_id = nextval(pg_get_serial_sequence('reservations', 'id'))
    WHERE s.id = $1 AND s.schedule_id = $2 AND s.status = 'AVAILABLE'
      AND (SELECT sc.concert_id FROM schedules sc WHERE sc.id = $2) = $4
      AND NOT EXISTS (SELECT 1 FROM concerts c WHERE c.id = $4 AND c.sale_opens_at > now())
    RETURNING s.id, s.price, s.reservation_id
), counted AS (
    INSERT INTO ticket_counts AS t (user_id, concert_id, tickets, max_tickets)
    SELECT $3, $4, 1, $12 FROM held
    ON CONFLICT (user_id, concert_id) DO UPDATE
    SET tickets = t.tickets + 1, max_tickets = excluded.max_tickets
), reservation AS (
    INSERT INTO reservations
        (id, user_id, seat_id, schedule_id, concert_id, price, status, expires_at)
    OVERRIDING SYSTEM VALUE
    SELECT h.reservation_id, $3, h.id, $2, $4, h.price, 'HELD',
           now() + make_interval(secs => $5)
    FROM held h
    RETURNING id, price, expires_at
), event AS (
    {SEAT_HELD_OUTBOX}
)
SELECT r.id AS reservation_id, r.price, r.expires_at FROM reservation r
"""  # noqa: S608 - built from constants, not from input

# A refused hold: the seat's concert, the lapsed hold still on it if the sweep has not
# released it yet, and the opening of a sale not open yet.
SEAT_STATE_SQL = """
SELECT sc.concert_id,
       CASE WHEN s.status = 'HELD' THEN (
           SELECT r.id FROM reservations r
           WHERE r.id = s.reservation_id AND r.status = 'HELD' AND r.expires_at <= now()
       ) END AS lapsed_id,
       (SELECT c.sale_opens_at FROM concerts c
         WHERE c.id = sc.concert_id AND c.sale_opens_at > now()) AS sale_opens_at
FROM seats s JOIN schedules sc ON sc.id = s.schedule_id
WHERE s.id = $1 AND s.schedule_id = $2
"""

# The partial index reservations_held_expiry_idx serves `status = 'HELD' ORDER BY
# expires_at`, so a sweep reads only expired holds; SKIP LOCKED steps over holds a
# payment is confirming right now (the payment's guard decides those).
_EXPIRE = """
WITH due AS (
    SELECT id FROM reservations
    WHERE status = 'HELD' AND expires_at <= now() {only}
    ORDER BY expires_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), expired AS (
    UPDATE reservations r SET status = 'EXPIRED'
    FROM due WHERE r.id = due.id AND r.status = 'HELD'
    RETURNING r.id, r.user_id, r.seat_id, r.schedule_id, r.concert_id
), released AS (
    UPDATE seats s SET status = 'AVAILABLE', reservation_id = NULL
    FROM expired e
    WHERE s.id = e.seat_id AND s.reservation_id = e.id AND s.status = 'HELD'
), uncounted AS (
    -- A lapsed hold gives its ticket back (never below 0: holds made before the count).
    UPDATE ticket_counts t SET tickets = greatest(t.tickets - e.n, 0)
    FROM (SELECT user_id, concert_id, count(*) AS n FROM expired
          GROUP BY user_id, concert_id) e
    WHERE t.user_id = e.user_id AND t.concert_id = e.concert_id
)
SELECT id AS reservation_id, user_id, seat_id, schedule_id, concert_id FROM expired
"""
EXPIRE_DUE_SQL = _EXPIRE.format(only="")
EXPIRE_ONE_SQL = _EXPIRE.format(only="AND id = $2")

GET_SQL = """
SELECT id AS reservation_id, user_id, seat_id, schedule_id, concert_id, price, status,
       expires_at, confirmed_at, now() AS read_at
FROM reservations WHERE id = $1
"""

PAYMENT_STATE_SQL = """
SELECT status, expires_at <= now() AS lapsed FROM reservations WHERE id = $1 AND user_id = $2
"""


class Held(NamedTuple):
    reservation_id: int
    price: int
    expires_at: datetime


class SeatState(NamedTuple):
    """What a refused hold found: the seat's concert, the lapsed hold still on it (if
    the sweep has not released it yet), the opening of a sale not open yet."""

    concert_id: int
    lapsed_id: int | None
    sale_opens_at: datetime | None


class ExpiredHold(NamedTuple):
    reservation_id: int
    user_id: int
    seat_id: int
    schedule_id: int
    concert_id: int


class StoredReservation(NamedTuple):
    reservation_id: int
    user_id: int
    seat_id: int
    schedule_id: int
    concert_id: int
    price: int
    status: str
    expires_at: datetime
    confirmed_at: datetime | None
    read_at: datetime


class PaymentState(NamedTuple):
    status: str
    lapsed: bool


async def hold(
    conn: Executor,
    *,
    seat_id: int,
    schedule_id: int,
    user_id: int,
    concert_id: int,
    ttl_seconds: float,
    max_tickets: int,
    event: Occurrence,
) -> Held | None:
    """None when the guard refused: no such seat of the schedule, another concert's
    seat, or a seat that is not AVAILABLE (`seat_state` tells which)."""
    row = await conn.fetchrow(
        HOLD_SQL,
        seat_id,
        schedule_id,
        user_id,
        concert_id,
        ttl_seconds,
        *outbox.columns([event]),
        max_tickets,
    )
    return None if row is None else Held(*row)


async def seat_state(conn: Executor, *, seat_id: int, schedule_id: int) -> SeatState | None:
    """None when the schedule has no such seat."""
    row = await conn.fetchrow(SEAT_STATE_SQL, seat_id, schedule_id)
    return None if row is None else SeatState(*row)


async def expire_due(conn: Executor, *, limit: int) -> list[ExpiredHold]:
    return [ExpiredHold(*row) for row in await conn.fetch(EXPIRE_DUE_SQL, limit)]


async def expire_one(conn: Executor, reservation_id: int) -> list[ExpiredHold]:
    return [ExpiredHold(*row) for row in await conn.fetch(EXPIRE_ONE_SQL, 1, reservation_id)]


async def get(conn: Executor, reservation_id: int) -> StoredReservation | None:
    row = await conn.fetchrow(GET_SQL, reservation_id)
    return None if row is None else StoredReservation(*row)


async def payment_state(conn: Executor, reservation_id: int, user_id: int) -> PaymentState | None:
    """The payer's reservation as a refused payment finds it; None if it is not theirs."""
    row = await conn.fetchrow(PAYMENT_STATE_SQL, reservation_id, user_id)
    return None if row is None else PaymentState(*row)
