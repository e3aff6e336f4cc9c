"""SQL for paying a held reservation.

One statement inside the payment's transaction: the guarded confirm
(`status = 'HELD' AND expires_at > now()`, the same guard the expiry sweep
negates, so expiry and payment can never both win), the debit that cannot go
below zero, the seat, the payment, its ledger row and its outbox rows. When the
debit matches no row the statement still confirmed the reservation, so the
caller rolls the transaction back.
"""

from __future__ import annotations

from typing import NamedTuple

from seatgate.db.executor import Executor
from seatgate.messaging import outbox
from seatgate.messaging.envelope import Occurrence

# Both events get every field this statement decides (ReservationConfirmed's `amount`
# and PaymentCompleted's `price` included, as they always had on the wire).
PAID_OUTBOX = outbox.insert_sql(
    first_param=3,
    rows="confirmed c, payment p",
    fill="""jsonb_build_object(
        'seat_id', c.seat_id, 'schedule_id', c.schedule_id, 'concert_id', c.concert_id,
        'price', c.price, 'payment_id', p.id, 'amount', p.amount)""",
)

PAY_SQL = f"""
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
    {PAID_OUTBOX}
)
SELECT c.id AS reservation_id, c.concert_id, c.price, p.id AS payment_id,
       (SELECT count(*) FROM seat) AS seats_confirmed
FROM confirmed c LEFT JOIN payment p ON true
"""  # noqa: S608 - built from constants, not from input


class PayAttempt(NamedTuple):
    """What the statement did to a reservation it could confirm; `payment_id` is None when
    the balance was short (then nothing but the confirm happened: roll it back)."""

    reservation_id: int
    concert_id: int
    price: int
    payment_id: int | None
    seats_confirmed: int


async def pay(
    conn: Executor, *, reservation_id: int, user_id: int, events: list[Occurrence]
) -> PayAttempt | None:
    """None when the reservation was not the payer's live hold."""
    row = await conn.fetchrow(PAY_SQL, reservation_id, user_id, *outbox.columns(events))
    return None if row is None else PayAttempt(**row)
