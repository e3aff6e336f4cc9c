"""Holding a seat, releasing lapsed holds, reading a reservation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import DomainError, NotFound, SeatUnavailable
from seatgate.messaging.envelope import Envelope, make_event
from seatgate.observability import metrics
from seatgate.reservations import repository
from seatgate.reservations.domain import (
    RESERVATION_NOT_FOUND,
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
    """Without an Idempotency-Key: no transaction around it, the hold is one statement."""
    # One connection for every statement: each pool checkout costs a reset round trip.
    async with pool.acquire() as conn:
        held = await hold_seat_in(
            conn,
            settings,
            user_id=user_id,
            schedule_id=schedule_id,
            seat_id=seat_id,
            token_concert_id=token_concert_id,
        )
    counted_hold()
    return held


async def hold_seat_in(
    conn: Any,
    settings: Settings,
    *,
    user_id: int,
    schedule_id: int,
    seat_id: int,
    token_concert_id: int,
) -> HeldSeat:
    """The hold on the caller's connection (in its transaction, if any); then `counted_hold`."""
    try:
        return await _hold(
            conn,
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


def counted_hold() -> None:
    """Once the hold is committed."""
    metrics.reservations_total.labels("held").inc()


async def _hold(
    conn: Any, settings: Settings, *, user_id: int, schedule_id: int, seat_id: int, concert_id: int
) -> HeldSeat:
    for attempt in range(2):
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
        # sweep's own guarded statement, then try once more. On this connection, so a
        # keyed hold needs no second one (its release commits or rolls back with it).
        await _expire_hold_in(conn, reservation_id=row["lapsed_id"])
    raise SeatUnavailable()


@dataclass(frozen=True)
class HoldSeat:
    """A hold as a command an Idempotency-Key can wrap (see `idempotency.service`)."""

    pool: Any
    settings: Settings
    user_id: int
    schedule_id: int
    seat_id: int
    token_concert_id: int

    async def run(self) -> HeldSeat:
        return await hold_seat(self.pool, self.settings, **self._hold())

    async def run_in(self, conn: asyncpg.Connection) -> HeldSeat:
        return await hold_seat_in(conn, self.settings, **self._hold())

    async def committed(self, result: HeldSeat) -> None:
        counted_hold()

    def _hold(self) -> dict[str, int]:
        return {
            "user_id": self.user_id,
            "schedule_id": self.schedule_id,
            "seat_id": self.seat_id,
            "token_concert_id": self.token_concert_id,
        }


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


async def _expire_hold_in(conn: Any, *, reservation_id: int) -> bool:
    """Release one lapsed hold now; False if it was not a lapsed hold (anymore).

    Its own transaction, or a savepoint inside the caller's: the release and its
    events are written together either way.
    """
    async with conn.transaction():
        rows = await repository.expire_one(conn, reservation_id)
        await _record_expiry(conn, rows)
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
        raise NotFound(RESERVATION_NOT_FOUND)
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
