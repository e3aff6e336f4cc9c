"""Concerts, schedules and their seats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from seatgate.catalog import service
from seatgate.catalog.schemas import Concert, Schedule, SeatList, SeatStatus
from seatgate.db import MAX_ID
from seatgate.http.deps import CurrentUserId, ResourcesDep
from seatgate.queue.deps import ActiveQueueToken

router = APIRouter(prefix="/api/v1", tags=["catalog"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/concerts")
async def list_concerts(
    resources: ResourcesDep,
    response: Response,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="Last concert_id seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_CONCERTS_LISTED)] = (
        service.MAX_CONCERTS_LISTED
    ),
) -> list[Concert]:
    """Concerts by id, a page at a time: a `Link: <…>; rel="next"` header names the next."""
    concerts, more = await service.list_concerts(resources.pool, after=after, limit=limit)
    if more:
        following = f"/api/v1/concerts?after={concerts[-1].concert_id}&limit={limit}"
        response.headers["Link"] = f'<{following}>; rel="next"'
    return concerts


@router.get("/concerts/{concert_id}/schedules")
async def list_schedules(resources: ResourcesDep, concert_id: Id) -> list[Schedule]:
    return await service.list_schedules(resources.pool, concert_id=concert_id)


@router.get("/schedules/{schedule_id}")
async def get_schedule(resources: ResourcesDep, schedule_id: Id) -> Schedule:
    return await service.get_schedule(resources.pool, schedule_id=schedule_id)


@router.get("/schedules/{schedule_id}/seats")
async def list_seats(
    resources: ResourcesDep,
    user_id: CurrentUserId,
    queue_token: ActiveQueueToken,
    schedule_id: Id,
    status: Annotated[SeatStatus | None, Query()] = None,
) -> SeatList:
    del user_id  # the queue token dependency already proved it belongs to this user
    return await service.list_seats(
        resources.pool,
        schedule_id=schedule_id,
        token_concert_id=queue_token.concert_id,
        status=status,
    )
