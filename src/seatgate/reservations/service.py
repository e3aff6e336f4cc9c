"""Holding a seat, releasing lapsed holds, reading a reservation."""

from __future__ import annotations

from typing import Any

import asyncpg

from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import DomainError, NotFound, SeatUnavailable
from seatgate.messaging.envelope import Envelope, make_event
from seatgate.observability import metrics
from seatgate.reservations import repository
from seatgate.reservations.domain import (
    ReservationStatus,
    Transition,
    effective_status,
    fact,
    hold_refusal,
)
from seatgate.reservations.schemas import HeldSeat, Reservation
from seatgate.settings import Settings

EXPIRY_BATCH = 500


def seat_key(seat_id: int) -> str:
    """Kafka key of reservation events: one seat's holds and releases stay in order."""
    return f"seat:{seat_id}"


async def hold_seat(
    pool: Any,
    settings: Settings,
    *,
    user_id: int,
    schedule_id: int,
    seat_id: int,
    token_concert_id: int,
) -> HeldSeat:
    try:
        held = await _hold(
            pool,
            settings,
            user_id=user_id,
            schedule_id=schedule_id,
            seat_id=seat_id,
            concert_id=token_concert_id,
        )
    except SeatUnavailable:
        metrics.reservations_total.labels("seat_unavailable").inc()
        raise
    except DomainError:
        metrics.reservations_total.labels("rejected").inc()
        raise
    except Exception:
        metrics.reservations_total.labels("error").inc()
        raise
    metrics.reservations_total.labels("held").inc()
    return held


async def _hold(
    pool: Any, settings: Settings, *, user_id: int, schedule_id: int, seat_id: int, concert_id: int
) -> HeldSeat:
    for attempt in range(2):
        # One connection for both statements: every pool checkout costs a reset round trip.
        async with pool.acquire() as conn:
            reservation_id = await repository.next_reservation_id(conn)
            event = _seat_held(reservation_id, user_id, schedule_id, seat_id, concert_id)
            try:
                row = await repository.hold(
                    conn,
                    reservation_id=reservation_id,
                    seat_id=seat_id,
                    schedule_id=schedule_id,
                    user_id=user_id,
                    concert_id=concert_id,
                    ttl_seconds=float(settings.hold_ttl_seconds),
                    event=event,
                    event_key=seat_key(seat_id),
                )
            except asyncpg.UniqueViolationError:
                # reservations_one_live_per_seat: another live reservation has the seat.
                raise SeatUnavailable() from None
            except asyncpg.ForeignKeyViolationError:
                # Seat, schedule and concert come from the statement's own join: only the
                # user can be missing (a signed token older than this database).
                raise NotFound("User not found") from None
        refusal = hold_refusal(
            seat_found=row is not None,
            seat_concert_id=row["concert_id"] if row else None,
            token_concert_id=concert_id,
        )
        if refusal is not None:
            raise refusal
        if row["reservation_id"] is not None:
            return HeldSeat(
                reservation_id=row["reservation_id"],
                status=ReservationStatus.HELD,
                seat_id=seat_id,
                schedule_id=schedule_id,
                price=row["price"],
                expires_at=row["expires_at"],
            )
        if row["lapsed_id"] is None or attempt:
            break
        # The seat's hold lapsed but no sweep has run yet: release it now through the
        # sweep's own guarded statement (on its own connection), then try once more.
        await expire_hold(pool, reservation_id=row["lapsed_id"])
    raise SeatUnavailable()


def _seat_held(
    reservation_id: int, user_id: int, schedule_id: int, seat_id: int, concert_id: int
) -> Envelope:
    data = {
        "reservation_id": reservation_id,
        "user_id": user_id,
        "seat_id": seat_id,
        "schedule_id": schedule_id,
        "concert_id": concert_id,
    }
    # price and expires_at are added by the statement that decides them.
    return make_event("SeatHeld", reservation_id, data, fact=fact(reservation_id, Transition.HELD))


async def expire_holds(pool: Any, *, limit: int = EXPIRY_BATCH) -> int:
    """Release one batch of lapsed holds; returns how many (the scheduler calls it)."""
    async with UnitOfWork(pool) as uow:
        rows = await repository.expire_due(uow.conn, limit=limit)
        await _record_expiry(uow.conn, rows)
        await uow.commit()
    metrics.holds_expired_total.inc(len(rows))
    return len(rows)


async def expire_hold(pool: Any, *, reservation_id: int) -> bool:
    """Release one lapsed hold now; False if it was not a lapsed hold (anymore)."""
    async with UnitOfWork(pool) as uow:
        rows = await repository.expire_one(uow.conn, reservation_id)
        await _record_expiry(uow.conn, rows)
        await uow.commit()
    metrics.holds_expired_total.inc(len(rows))
    return bool(rows)


async def _record_expiry(conn: Any, rows: list[Any]) -> None:
    events: list[Envelope] = []
    keys: list[str] = []
    for row in rows:
        data = {
            "reservation_id": row["reservation_id"],
            "user_id": row["user_id"],
            "seat_id": row["seat_id"],
            "schedule_id": row["schedule_id"],
            "concert_id": row["concert_id"],
        }
        occurred = fact(row["reservation_id"], Transition.EXPIRED)
        events.append(
            make_event(
                "SeatReleased", row["reservation_id"], {**data, "reason": "EXPIRED"}, fact=occurred
            )
        )
        events.append(make_event("ReservationExpired", row["reservation_id"], data, fact=occurred))
        keys += [seat_key(row["seat_id"])] * 2
    await repository.record_events(conn, events, keys)


async def get_reservation(pool: Any, *, user_id: int, reservation_id: int) -> Reservation:
    row = await repository.get(pool, reservation_id)
    if row is None or row["user_id"] != user_id:
        # Someone else's reservation is indistinguishable from a missing one.
        raise NotFound("Reservation not found")
    status = effective_status(ReservationStatus(row["status"]), row["expires_at"], row["read_at"])
    return Reservation(
        reservation_id=row["reservation_id"],
        status=status,
        seat_id=row["seat_id"],
        schedule_id=row["schedule_id"],
        concert_id=row["concert_id"],
        price=row["price"],
        expires_at=row["expires_at"],
        confirmed_at=row["confirmed_at"],
    )
