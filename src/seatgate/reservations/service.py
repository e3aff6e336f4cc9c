"""Holding a seat, releasing lapsed holds, reading a reservation."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from seatgate.db.executor import Executor
from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import DomainError, NotFound, SeatUnavailable, TicketLimitReached
from seatgate.messaging import outbox
from seatgate.messaging.envelope import Occurrence
from seatgate.observability import metrics
from seatgate.reservations import repository
from seatgate.reservations.domain import (
    RESERVATION_NOT_FOUND,
    ReservationStatus,
    effective_status,
    hold_refusal,
    payment_refusal,
)
from seatgate.reservations.events import (
    ReservationEvent,
    ReservationExpired,
    SeatHeld,
    SeatReleased,
    Transition,
    fact,
)
from seatgate.reservations.repository import ExpiredHold
from seatgate.reservations.schemas import HeldSeat, Reservation
from seatgate.settings import Settings

EXPIRY_BATCH = 500
# The reservation id of a hold's event before the hold statement draws the real one
# (one round trip fewer per hold than drawing it first: ADR 0007).
DRAWN_BY_THE_STATEMENT = 0

# A connection that can open a transaction: a unit of work's, or one checked out for a hold.
Connection = asyncpg.Connection | PoolConnectionProxy


async def hold_seat(
    pool: asyncpg.Pool,
    settings: Settings,
    *,
    user_id: int,
    schedule_id: int,
    seat_id: int,
    token_concert_id: int,
) -> HeldSeat:
    """Without an Idempotency-Key: no transaction around it, the hold is one statement."""
    # One checkout for the id draw, the hold and a lapsed hold's release: under load each
    # checkout waits its turn in the pool's queue again.
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
    conn: Connection,
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
    conn: Connection,
    settings: Settings,
    *,
    user_id: int,
    schedule_id: int,
    seat_id: int,
    concert_id: int,
) -> HeldSeat:
    for attempt in range(2):
        reservation = ReservationEvent(
            reservation_id=DRAWN_BY_THE_STATEMENT,
            user_id=user_id,
            seat_id=seat_id,
            schedule_id=schedule_id,
            concert_id=concert_id,
        )
        held = await _try_hold(conn, reservation, settings)
        if held is not None:
            return HeldSeat(
                reservation_id=held.reservation_id,
                status=ReservationStatus.HELD,
                seat_id=seat_id,
                schedule_id=schedule_id,
                price=held.price,
                expires_at=held.expires_at,
            )
        seat = await repository.seat_state(conn, seat_id=seat_id, schedule_id=schedule_id)
        refusal = hold_refusal(
            seat_found=seat is not None,
            seat_concert_id=seat.concert_id if seat else None,
            token_concert_id=concert_id,
            sale_opens_at=seat.sale_opens_at if seat else None,
        )
        if refusal is not None:
            raise refusal
        assert seat is not None  # hold_refusal refuses a missing seat
        if seat.lapsed_id is None or attempt:
            break
        # The seat's hold lapsed but no sweep has run yet: release it now through the
        # sweep's own guarded statement, then try once more. On this connection, so a
        # keyed hold needs no second one (its release commits or rolls back with it).
        await _expire_hold_in(conn, reservation_id=seat.lapsed_id)
    raise SeatUnavailable()


async def _try_hold(
    conn: Connection, reservation: ReservationEvent, settings: Settings
) -> repository.Held | None:
    """The hold statement; the constraints it may break, as the answers they mean."""
    held = fact(reservation.reservation_id, Transition.HELD)
    try:
        return await repository.hold(
            conn,
            seat_id=reservation.seat_id,
            schedule_id=reservation.schedule_id,
            user_id=reservation.user_id,
            concert_id=reservation.concert_id,
            ttl_seconds=float(settings.hold_ttl_seconds),
            max_tickets=settings.max_tickets_per_user,
            # The statement draws the reservation id, decides the price and the expiry,
            # and fills them (and a new event_id) in.
            event=SeatHeld.partial(reservation, fact=held),
        )
    except asyncpg.UniqueViolationError:
        # reservations_one_live_per_seat: another live reservation has the seat.
        raise SeatUnavailable() from None
    except asyncpg.CheckViolationError as error:
        if error.constraint_name != "ticket_counts_within_limit":
            raise
        raise TicketLimitReached(
            f"At most {settings.max_tickets_per_user} tickets per user for this concert",
            max_tickets=settings.max_tickets_per_user,
        ) from None
    except asyncpg.ForeignKeyViolationError:
        # The user's is the reservation's only foreign key (migration 0004): a signed
        # token older than this database.
        raise NotFound("User not found") from None


@dataclass(frozen=True)
class HoldSeat:
    """A hold as a command an Idempotency-Key can wrap (see `idempotency.service`)."""

    pool: asyncpg.Pool
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


async def expire_holds(pool: asyncpg.Pool, *, limit: int = EXPIRY_BATCH) -> int:
    """Release one batch of lapsed holds; returns how many (the scheduler calls it)."""
    async with UnitOfWork(pool) as uow:
        expired = await repository.expire_due(uow.conn, limit=limit)
        await outbox.append(uow.conn, _expiry_events(expired))
        await uow.commit()
    metrics.holds_expired_total.inc(len(expired))
    return len(expired)


async def _expire_hold_in(conn: Connection, *, reservation_id: int) -> bool:
    """Release one lapsed hold now; False if it was not a lapsed hold (anymore).

    Its own transaction, or a savepoint inside the caller's: the release and its
    events are written together either way.
    """
    async with conn.transaction():
        expired = await repository.expire_one(conn, reservation_id)
        await outbox.append(conn, _expiry_events(expired))
    metrics.holds_expired_total.inc(len(expired))
    return bool(expired)


def _expiry_events(expired: list[ExpiredHold]) -> list[Occurrence]:
    events = []
    for hold in expired:
        reservation = hold._asdict()
        occurred = fact(hold.reservation_id, Transition.EXPIRED)
        events += [
            SeatReleased(**reservation, reason="EXPIRED").occurred(fact=occurred),
            ReservationExpired(**reservation).occurred(fact=occurred),
        ]
    return events


async def get_reservation(pool: Executor, *, user_id: int, reservation_id: int) -> Reservation:
    found = await repository.get(pool, reservation_id)
    if found is None or found.user_id != user_id:
        # Someone else's reservation is indistinguishable from a missing one.
        raise NotFound(RESERVATION_NOT_FOUND)
    status = effective_status(ReservationStatus(found.status), found.expires_at, found.read_at)
    return Reservation(
        reservation_id=found.reservation_id,
        status=status,
        seat_id=found.seat_id,
        schedule_id=found.schedule_id,
        concert_id=found.concert_id,
        price=found.price,
        expires_at=found.expires_at,
        confirmed_at=found.confirmed_at,
    )


async def payment_refusal_for(conn: Executor, *, reservation_id: int, user_id: int) -> DomainError:
    """Why a payment's guarded confirm matched no row, read as the payer sees it."""
    state = await repository.payment_state(conn, reservation_id, user_id)
    return payment_refusal(
        status=ReservationStatus(state.status) if state else None,
        lapsed=bool(state and state.lapsed),
    )
