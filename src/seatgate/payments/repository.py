"""SQL for paying a held reservation.

One statement inside the payment's transaction: the guarded confirm
(`status = 'HELD' AND expires_at > now()`, the same guard the expiry sweep
negates, so expiry and payment can never both win), the debit that cannot go
below zero, the seat, the payment, its ledger row and its outbox rows. When the
debit matches no row the statement still confirmed the reservation, so the
caller rolls the transaction back.
"""

from __future__ import annotations

from typing import Any

from seatgate.messaging.envelope import Envelope
from seatgate.messaging.outbox import outbox_columns

PAY_SQL = """
WITH confirmed AS (
    UPDATE reservations SET status = 'CONFIRMED', confirmed_at = now()
    WHERE id = $1 AND user_id = $2 AND status = 'HELD' AND expires_at > now()
    RETURNING id, seat_id, schedule_id, concert_id, price
), debited AS (
    UPDATE users u SET balance = u.balance - c.price
    FROM confirmed c
    WHERE u.id = $2 AND u.balance >= c.price
    RETURNING u.balance
), seat AS (
    UPDATE seats s SET status = 'CONFIRMED'
    FROM confirmed c, debited d
    WHERE s.id = c.seat_id AND s.reservation_id = c.id AND s.status = 'HELD'
    RETURNING s.id
), payment AS (
    INSERT INTO payments (reservation_id, user_id, amount, status)
    SELECT c.id, $2, c.price, 'COMPLETED' FROM confirmed c, debited d
    RETURNING id, amount
), ledger AS (
    INSERT INTO balance_ledger (user_id, delta, reason, ref_id)
    SELECT $2, -p.amount, 'PAYMENT', p.id FROM payment p WHERE p.amount > 0
), events AS (
    -- An empty key means "the seat": reservation events are keyed by seat (in order
    -- with its holds and releases), and only this row knows the seat.
    INSERT INTO outbox (event_id, topic, key, event_type, envelope)
    SELECT e.event_id, e.topic, COALESCE(NULLIF(e.key, ''), 'seat:' || c.seat_id),
           e.event_type,
           jsonb_set(e.envelope, '{data}', (e.envelope -> 'data') || jsonb_build_object(
               'seat_id', c.seat_id, 'schedule_id', c.schedule_id,
               'concert_id', c.concert_id, 'price', c.price,
               'payment_id', p.id, 'amount', p.amount))
    FROM confirmed c, payment p,
         unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
             AS e(event_id, topic, key, event_type, envelope)
)
SELECT c.id AS reservation_id, c.concert_id, c.price, p.id AS payment_id,
       (SELECT count(*) FROM seat) AS seats_confirmed
FROM confirmed c LEFT JOIN payment p ON true
"""

DIAGNOSE_SQL = """
SELECT status, expires_at <= now() AS lapsed FROM reservations WHERE id = $1 AND user_id = $2
"""


async def pay(
    conn: Any, *, reservation_id: int, user_id: int, events: list[Envelope], keys: list[str]
) -> Any:
    return await conn.fetchrow(PAY_SQL, reservation_id, user_id, *outbox_columns(events, keys))


async def diagnose(conn: Any, reservation_id: int, user_id: int) -> Any:
    return await conn.fetchrow(DIAGNOSE_SQL, reservation_id, user_id)
