"""SQL for seat holds, their expiry and reading them back.

The seat row decides a hold: `UPDATE seats ... WHERE status = 'AVAILABLE'` lets
exactly one concurrent transaction through (the others wait on the row lock and
re-check the guard against the winner's version); the partial unique index
`reservations_one_live_per_seat` is the last line behind it.
"""

from __future__ import annotations

from typing import Any

from seatgate.messaging.envelope import Envelope
from seatgate.messaging.outbox import INSERT_SQL, outbox_columns

NEXT_ID_SQL = "SELECT nextval(pg_get_serial_sequence('reservations', 'id'))"

# One statement, so one transaction and one round trip: guarded seat update, the
# reservation, and its SeatHeld outbox row (price and expiry filled in by the row).
HOLD_SQL = """
WITH target AS (
    SELECT s.id, sc.concert_id, r.id AS lapsed_id
    FROM seats s
    JOIN schedules sc ON sc.id = s.schedule_id
    LEFT JOIN reservations r
           ON r.id = s.reservation_id AND s.status = 'HELD'
          AND r.status = 'HELD' AND r.expires_at <= now()
    WHERE s.id = $2 AND s.schedule_id = $3
), held AS (
    UPDATE seats s SET status = 'HELD', reservation_id = $1
    FROM target t
    WHERE s.id = t.id AND t.concert_id = $5 AND s.status = 'AVAILABLE'
    RETURNING s.id, s.price
), reservation AS (
    INSERT INTO reservations
        (id, user_id, seat_id, schedule_id, concert_id, price, status, expires_at)
    OVERRIDING SYSTEM VALUE
    SELECT $1, $4, h.id, $3, $5, h.price, 'HELD', now() + make_interval(secs => $6)
    FROM held h
    RETURNING id, price, expires_at
), event AS (
    INSERT INTO outbox (event_id, topic, key, event_type, envelope)
    SELECT e.event_id, e.topic, e.key, e.event_type,
           jsonb_set(e.envelope, '{data}', (e.envelope -> 'data')
                     || jsonb_build_object('price', r.price, 'expires_at', r.expires_at))
    FROM reservation r,
         unnest($7::uuid[], $8::text[], $9::text[], $10::text[], $11::jsonb[])
             AS e(event_id, topic, key, event_type, envelope)
)
SELECT t.concert_id, t.lapsed_id, r.id AS reservation_id, r.price, r.expires_at
FROM target t LEFT JOIN reservation r ON true
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


async def next_reservation_id(conn: Any) -> int:
    return int(await conn.fetchval(NEXT_ID_SQL))


async def hold(
    conn: Any,
    *,
    reservation_id: int,
    seat_id: int,
    schedule_id: int,
    user_id: int,
    concert_id: int,
    ttl_seconds: float,
    event: Envelope,
    event_key: str,
) -> Any:
    return await conn.fetchrow(
        HOLD_SQL,
        reservation_id,
        seat_id,
        schedule_id,
        user_id,
        concert_id,
        ttl_seconds,
        *outbox_columns([event], [event_key]),
    )


async def expire_due(conn: Any, *, limit: int) -> list[Any]:
    return list(await conn.fetch(EXPIRE_DUE_SQL, limit))


async def expire_one(conn: Any, reservation_id: int) -> list[Any]:
    return list(await conn.fetch(EXPIRE_ONE_SQL, 1, reservation_id))


async def record_events(conn: Any, events: list[Envelope], keys: list[str]) -> None:
    if events:
        await conn.execute(INSERT_SQL, *outbox_columns(events, keys))


async def get(conn: Any, reservation_id: int) -> Any:
    return await conn.fetchrow(GET_SQL, reservation_id)
