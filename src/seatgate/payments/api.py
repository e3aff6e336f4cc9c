"""Paying for a held reservation."""

from __future__ import annotations

from fastapi import APIRouter, status

from seatgate.http.deps import CurrentUserId, ResourcesDep
from seatgate.idempotency.deps import RunOnceDep
from seatgate.payments import service
from seatgate.payments.schemas import Payment, PaymentRequest
from seatgate.queue.deps import QueueToken

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        402: {"description": "INSUFFICIENT_BALANCE"},
        409: {"description": "ALREADY_PAID, or IDEMPOTENCY_KEY_IN_FLIGHT"},
        410: {"description": "RESERVATION_EXPIRED"},
    },
)
async def pay(
    resources: ResourcesDep,
    user_id: CurrentUserId,
    queue_token: QueueToken,
    body: PaymentRequest,
    once: RunOnceDep,
) -> Payment:
    command = service.PayReservation(
        resources,
        user_id=user_id,
        reservation_id=body.reservation_id,
        token_concert_id=queue_token.concert_id,
        queue_token=queue_token.token,
    )
    return await once("payments", command, body)
