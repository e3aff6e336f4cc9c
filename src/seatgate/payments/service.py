"""Paying for a held seat: debit, confirm and record in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg

from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import (
    AlreadyPaid,
    DomainError,
    Forbidden,
    InsufficientBalance,
    ReservationExpired,
)
from seatgate.observability import metrics
from seatgate.payments import repository
from seatgate.payments.events import PaymentCompleted, PaymentRequested
from seatgate.payments.schemas import Payment
from seatgate.queue.service import expire_after_payment
from seatgate.reservations import service as reservations
from seatgate.reservations.events import ReservationConfirmed, Transition, fact
from seatgate.resources import Resources

log = logging.getLogger("seatgate.payments")

OUTCOME_BY_ERROR: dict[type[DomainError], str] = {
    InsufficientBalance: "insufficient_balance",
    ReservationExpired: "expired",
    AlreadyPaid: "already_paid",
}


async def pay(
    resources: Resources,
    *,
    user_id: int,
    reservation_id: int,
    token_concert_id: int,
    queue_token: str,
) -> Payment:
    """Without an Idempotency-Key: the payment in a transaction of its own."""
    async with UnitOfWork(resources.pool) as uow:
        payment = await pay_in(
            uow.conn,
            user_id=user_id,
            reservation_id=reservation_id,
            token_concert_id=token_concert_id,
        )
        await uow.commit()
    await paid(resources, queue_token=queue_token)
    return payment


async def pay_in(
    conn: asyncpg.Connection, *, user_id: int, reservation_id: int, token_concert_id: int
) -> Payment:
    """The payment inside the caller's transaction; the caller commits, then calls `paid`."""
    try:
        return await _pay(conn, user_id, reservation_id, token_concert_id)
    except DomainError as error:
        metrics.payments_total.labels(OUTCOME_BY_ERROR.get(type(error), "rejected")).inc()
        raise
    except Exception:
        metrics.payments_total.labels("error").inc()
        raise


async def paid(resources: Resources, *, queue_token: str) -> None:
    """After the payment's commit: count it and spend the queue token (in Redis)."""
    metrics.payments_total.labels("completed").inc()
    await _expire_queue_token(resources, queue_token)


async def _pay(
    conn: asyncpg.Connection, user_id: int, reservation_id: int, concert_id: int
) -> Payment:
    # The statement decides seat, price and payment id, and fills them in.
    requested = PaymentRequested(reservation_id=reservation_id, user_id=user_id)
    confirmed = fact(reservation_id, Transition.CONFIRMED)
    events = [
        ReservationConfirmed.partial(requested, fact=confirmed),
        PaymentCompleted.partial(requested, fact=confirmed),
    ]
    done = await repository.pay(conn, reservation_id=reservation_id, user_id=user_id, events=events)
    if done is None:
        raise await reservations.payment_refusal_for(
            conn, reservation_id=reservation_id, user_id=user_id
        )
    if done.concert_id != concert_id:
        raise Forbidden("The queue token belongs to another concert")
    if done.payment_id is None:
        raise InsufficientBalance(f"Balance is below the price {done.price}")
    if done.seats_confirmed != 1:
        # Seat and reservation disagree: refuse rather than confirm a seat we do not hold.
        raise RuntimeError(f"seat of reservation {reservation_id} is not held by it")
    return Payment(payment_id=done.payment_id, reservation_id=reservation_id, amount=done.price)


@dataclass(frozen=True)
class PayReservation:
    """A payment as a command an Idempotency-Key can wrap (see `idempotency.service`)."""

    resources: Resources
    user_id: int
    reservation_id: int
    token_concert_id: int
    queue_token: str

    async def run(self) -> Payment:
        return await pay(
            self.resources,
            user_id=self.user_id,
            reservation_id=self.reservation_id,
            token_concert_id=self.token_concert_id,
            queue_token=self.queue_token,
        )

    async def run_in(self, conn: asyncpg.Connection) -> Payment:
        return await pay_in(
            conn,
            user_id=self.user_id,
            reservation_id=self.reservation_id,
            token_concert_id=self.token_concert_id,
        )

    async def committed(self, result: Payment) -> None:
        await paid(self.resources, queue_token=self.queue_token)


async def _expire_queue_token(resources: Resources, queue_token: str) -> None:
    try:
        await expire_after_payment(resources, queue_token=queue_token)
    except Exception:
        # The payment has committed; the token still expires by its TTL.
        log.warning("queue token not expired after payment", exc_info=True)
