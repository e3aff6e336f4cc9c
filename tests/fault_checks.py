"""The invariants every fault test checks after driving load through a fault.

Each check returns a list of human-readable violations (empty = holds), so a test
can assert all of them at once and print every broken one, not just the first.
They read the database only: the truth the fault must not have changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# A seat with two live reservations: the guarded UPDATE and the partial unique index
# both failed (the index would refuse it, so this also catches a dropped index).
_DOUBLE_LIVE = """
SELECT seat_id, array_agg(id ORDER BY id) AS ids FROM reservations
WHERE status IN ('HELD', 'CONFIRMED') GROUP BY seat_id HAVING count(*) > 1
"""

# A seat that says HELD/CONFIRMED must point at a live reservation of that seat, and a
# live reservation's seat must point back at it.
_SEAT_MISMATCH = """
SELECT r.id AS reservation_id, r.seat_id, r.status, s.status AS seat_status,
       s.reservation_id AS seat_reservation
FROM reservations r JOIN seats s ON s.id = r.seat_id
WHERE r.status IN ('HELD', 'CONFIRMED')
  AND (s.reservation_id IS DISTINCT FROM r.id
       OR s.status <> CASE r.status WHEN 'HELD' THEN 'HELD' ELSE 'CONFIRMED' END)
"""

_BALANCE_VS_LEDGER = """
SELECT u.id, u.balance, COALESCE(sum(l.delta), 0) AS ledger
FROM users u LEFT JOIN balance_ledger l ON l.user_id = u.id
GROUP BY u.id, u.balance HAVING u.balance <> COALESCE(sum(l.delta), 0)
"""

_UNPUBLISHED = """
SELECT id, event_type, key, attempts FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 20
"""

# What the projection must show, recomputed from the database's own rows: one hold per
# reservation ever made, one release per hold that ended unpaid, one confirmation and
# its revenue per payment.
_PROJECTION_VS_DATABASE = """
WITH truth AS (
    SELECT r.schedule_id,
           count(*) AS holds,
           count(*) FILTER (WHERE r.status IN ('EXPIRED', 'CANCELLED')) AS releases,
           count(*) FILTER (WHERE r.status = 'CONFIRMED') AS confirmations,
           COALESCE(sum(p.amount), 0) AS revenue
    FROM reservations r LEFT JOIN payments p ON p.reservation_id = r.id
    GROUP BY r.schedule_id
)
SELECT COALESCE(t.schedule_id, s.schedule_id) AS schedule_id,
       t.holds, s.holds AS projected_holds,
       t.releases, s.releases AS projected_releases,
       t.confirmations, s.confirmations AS projected_confirmations,
       t.revenue, s.revenue AS projected_revenue
FROM truth t FULL JOIN sales_by_schedule s ON s.schedule_id = t.schedule_id
WHERE t.holds IS DISTINCT FROM s.holds OR t.releases IS DISTINCT FROM s.releases
   OR t.confirmations IS DISTINCT FROM s.confirmations OR t.revenue IS DISTINCT FROM s.revenue
"""


def _rows(rows: Iterable[Any], what: str) -> list[str]:
    return [f"{what}: {dict(row)}" for row in rows]


async def acknowledged_reservations_missing(conn: Any, reservation_ids: Iterable[int]) -> list[str]:
    """Reservations answered 201 (or paid with a 201) that the database no longer has."""
    wanted = sorted(set(reservation_ids))
    found = await conn.fetch("SELECT id FROM reservations WHERE id = ANY($1::bigint[])", wanted)
    missing = sorted(set(wanted) - {row["id"] for row in found})
    return [f"reservation {rid} was answered 2xx but is not in the database" for rid in missing]


async def acknowledged_payments_missing(conn: Any, payment_ids: Iterable[int]) -> list[str]:
    wanted = sorted(set(payment_ids))
    found = await conn.fetch("SELECT id FROM payments WHERE id = ANY($1::bigint[])", wanted)
    missing = sorted(set(wanted) - {row["id"] for row in found})
    return [f"payment {pid} was answered 201 but is not in the database" for pid in missing]


async def seats_held_once(conn: Any) -> list[str]:
    return [
        *_rows(await conn.fetch(_DOUBLE_LIVE), "seat with two live reservations"),
        *_rows(await conn.fetch(_SEAT_MISMATCH), "seat and reservation disagree"),
    ]


async def balances_match_ledger(conn: Any) -> list[str]:
    return _rows(await conn.fetch(_BALANCE_VS_LEDGER), "balance differs from its ledger")


async def outbox_published(conn: Any) -> list[str]:
    return _rows(await conn.fetch(_UNPUBLISHED), "outbox row not published")


async def projection_matches_database(conn: Any) -> list[str]:
    return _rows(await conn.fetch(_PROJECTION_VS_DATABASE), "projection differs from database")


async def database_invariants(conn: Any) -> list[str]:
    """The invariants that need no list of acknowledged ids and no consumer."""
    return [
        *await seats_held_once(conn),
        *await balances_match_ledger(conn),
    ]
