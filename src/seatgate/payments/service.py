"""Paying for a held seat: debit, confirm and record in one transaction."""

from __future__ import annotations

import logging
from typing import Any

from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import (
    AlreadyPaid,
    DomainError,
    Forbidden,
    InsufficientBalance,
    ReservationExpired,
)
from seatgate.messaging.envelope import make_event
from seatgate.observability import metrics
from seatgate.payments import repository
from seatgate.payments.schemas import Payment
from seatgate.queue.service import expire_after_payment
from seatgate.reservations.domain import (
    ReservationStatus,
    Transition,
    fact,
    payment_refusal,
)
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
    try:
        payment = await _pay(resources.pool, user_id, reservation_id, token_concert_id)
    except DomainError as error:
        metrics.payments_total.labels(OUTCOME_BY_ERROR.get(type(error), "rejected")).inc()
        raise
    except Exception:
        metrics.payments_total.labels("error").inc()
        raise
    metrics.payments_total.labels("completed").inc()
    await _expire_queue_token(resources, queue_token)
    return payment


async def _pay(pool: Any, user_id: int, reservation_id: int, concert_id: int) -> Payment:
    occurred = fact(reservation_id, Transition.CONFIRMED)
    base = {"reservation_id": reservation_id, "user_id": user_id}
    events = [
        make_event("ReservationConfirmed", reservation_id, base, fact=occurred),
        make_event("PaymentCompleted", reservation_id, base, fact=occurred),
    ]
    # Balance events are keyed by user, so charges and payments of one user stay in order.
    keys = ["", f"user:{user_id}"]
    async with UnitOfWork(pool) as uow:
        row = await repository.pay(
            uow.conn, reservation_id=reservation_id, user_id=user_id, events=events, keys=keys
        )
        if row is None:
            found = await repository.diagnose(uow.conn, reservation_id)
            raise payment_refusal(
                found=found is not None,
                owned=found is not None and found["user_id"] == user_id,
                status=ReservationStatus(found["status"]) if found else None,
                lapsed=bool(found and found["lapsed"]),
            )
        if row["concert_id"] != concert_id:
            raise Forbidden("The queue token belongs to another concert")
        if row["payment_id"] is None:
            raise InsufficientBalance(f"Balance is below the price {row['price']}")
        if row["seats_confirmed"] != 1:
            # Seat and reservation disagree: refuse rather than confirm a seat we do not hold.
            raise RuntimeError(f"seat of reservation {reservation_id} is not held by it")
        await uow.commit()
    return Payment(payment_id=row["payment_id"], reservation_id=reservation_id, amount=row["price"])


async def _expire_queue_token(resources: Resources, queue_token: str) -> None:
    try:
        await expire_after_payment(resources, queue_token=queue_token)
    except Exception:
        # The payment has committed; the token still expires by its TTL.
        log.warning("queue token not expired after payment", exc_info=True)
