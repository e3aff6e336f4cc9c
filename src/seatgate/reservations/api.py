"""Holding a seat and reading one's own reservation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from seatgate.db import MAX_ID
from seatgate.http.deps import CurrentUserId, ResourcesDep
from seatgate.idempotency.deps import RunOnceDep
from seatgate.queue.deps import QueueToken, require_active
from seatgate.reservations import service
from seatgate.reservations.schemas import HeldSeat, HoldRequest, Reservation

router = APIRouter(prefix="/api/v1/reservations", tags=["reservations"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "FORBIDDEN, TOKEN_NOT_ACTIVE, or SALE_NOT_OPEN (with sale_opens_at)"},
        409: {
            "description": "SEAT_UNAVAILABLE, TICKET_LIMIT_REACHED (the per-user limit per "
            "concert), or IDEMPOTENCY_KEY_IN_FLIGHT"
        },
    },
)
async def hold_seat(
    resources: ResourcesDep,
    user_id: CurrentUserId,
    queue_token: QueueToken,
    body: HoldRequest,
    once: RunOnceDep,
) -> HeldSeat:
    command = service.HoldSeat(
        resources.pool,
        resources.settings,
        user_id=user_id,
        schedule_id=body.schedule_id,
        seat_id=body.seat_id,
        token_concert_id=queue_token.concert_id,
    )
    # After the token expired, a retry of a hold that was made still gets its 201.
    return await once("reservations", command, body, guard=lambda: require_active(queue_token))


@router.get("/{reservation_id}")
async def get_reservation(
    resources: ResourcesDep,
    user_id: CurrentUserId,
    reservation_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Reservation:
    return await service.get_reservation(
        resources.pool, user_id=user_id, reservation_id=reservation_id
    )
