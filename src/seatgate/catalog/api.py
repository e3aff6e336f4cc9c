"""Concerts, schedules and their seats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response

from seatgate.catalog import service
from seatgate.catalog.schemas import Concert, Schedule, SeatList, SeatStatus
from seatgate.catalog.snapshot import SeatMaps
from seatgate.db import MAX_ID
from seatgate.errors import Forbidden
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


def _seat_maps(request: Request) -> SeatMaps:
    """This worker's seat-map snapshots, made on first use."""
    seat_maps = getattr(request.app.state, "seat_maps", None)
    if not isinstance(seat_maps, SeatMaps):
        seat_maps = request.app.state.seat_maps = SeatMaps()
    return seat_maps


@router.get(
    "/schedules/{schedule_id}/seats",
    response_model=SeatList,
    responses={304: {"description": "Unchanged since the snapshot named in If-None-Match"}},
)
async def list_seats(
    *,
    request: Request,
    resources: ResourcesDep,
    user_id: CurrentUserId,
    queue_token: ActiveQueueToken,
    schedule_id: Id,
    status: Annotated[SeatStatus | None, Query()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A snapshot at most a few hundred ms old (its ETag names it); the hold decides."""
    del user_id  # the queue token dependency already proved it belongs to this user
    seat_map = await _seat_maps(request).get(
        resources.pool, schedule_id=schedule_id, status=status.value if status else None
    )
    if seat_map.concert_id != queue_token.concert_id:
        raise Forbidden("The queue token admits you to another concert")
    headers = {"ETag": seat_map.etag, "Cache-Control": "no-cache"}
    seen = {tag.strip() for tag in (if_none_match or "").split(",")}
    if seat_map.etag in seen:
        return Response(status_code=304, headers=headers)
    return Response(seat_map.body, media_type="application/json", headers=headers)
