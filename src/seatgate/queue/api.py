"""HTTP for the waiting room: take a place in line, poll it, leave it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, Response, status

from seatgate.db import MAX_ID
from seatgate.errors import QueueTokenInvalid
from seatgate.http.deps import CurrentUserId, ResourcesDep
from seatgate.observability.metrics import rate_limited_total
from seatgate.queue import limits, sale, service
from seatgate.queue.deps import QUEUE_TOKEN_HEADER
from seatgate.queue.schemas import Fairness, IssueTokenRequest, QueueStatus

# Full paths: the fairness record sits under its concert, the rest under /api/v1/queue.
router = APIRouter(tags=["queue"])

QueueTokenHeader = Annotated[
    str | None, Header(description="The queue token from POST /api/v1/queue/tokens")
]


def client_address(request: Request, header: str | None) -> str | None:
    """The caller's address: from the trusted proxy's header when one is configured (of a
    list, the last entry, the one that proxy appended), else the connection's peer."""
    if header:
        given = request.headers.get(header)
        if given and given.strip():
            return given.rsplit(",", 1)[-1].strip()
    return request.client.host if request.client else None


async def within_limits(request: Request, resources: ResourcesDep, user_id: CurrentUserId) -> None:
    """429 RATE_LIMITED with Retry-After past the user's or the address's rate."""
    settings = resources.settings
    address = client_address(request, settings.trusted_proxy_header)
    found = limits.limits_for(settings, settings.redis_key_prefix, user_id=user_id, address=address)
    refusal = await limits.check(resources.redis, found)
    if refusal is not None:
        rate_limited_total.labels(refusal.scope).inc()
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"Too many requests from this {refusal.scope}; retry after "
            f"{refusal.retry_after_seconds} s",
            headers={"Retry-After": str(refusal.retry_after_seconds)},
        )


WithinLimits = Depends(within_limits)
LIMITED: dict[int | str, dict[str, Any]] = {429: {"description": "RATE_LIMITED, with Retry-After"}}


def _required(token: str | None) -> str:
    if not token or not token.strip():
        raise QueueTokenInvalid(f"{QUEUE_TOKEN_HEADER} is required")
    return token.strip()


@router.post(
    "/api/v1/queue/tokens",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": QueueStatus, "description": "The user's existing token"},
        403: {"description": "SALE_NOT_OPEN: the sale's pre-queue has not opened yet"},
        **LIMITED,
    },
    dependencies=[WithinLimits],
)
async def issue_token(
    body: IssueTokenRequest, resources: ResourcesDep, user_id: CurrentUserId, response: Response
) -> QueueStatus:
    queue_status, created = await service.issue_token(
        resources, user_id=user_id, concert_id=body.concert_id
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return queue_status


@router.get("/api/v1/queue/tokens/current", responses=LIMITED)
async def current_token(
    request: Request,
    resources: ResourcesDep,
    user_id: CurrentUserId,
    x_queue_token: QueueTokenHeader = None,
) -> QueueStatus:
    """Sooner than the advertised poll interval, the last answer again: no Redis, and not
    counted against the rate limits, which only the polls that do work meet."""
    token = _required(x_queue_token)
    recent = service.recent_status(token=token, user_id=user_id)
    if recent is not None:
        return recent
    await within_limits(request, resources, user_id)
    return await service.poll(resources, token=token, user_id=user_id)


@router.delete("/api/v1/queue/tokens/current", status_code=status.HTTP_204_NO_CONTENT)
async def leave_queue(
    resources: ResourcesDep, user_id: CurrentUserId, x_queue_token: QueueTokenHeader = None
) -> Response:
    await service.leave(resources, token=_required(x_queue_token), user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/v1/concerts/{concert_id}/queue/fairness")
async def queue_fairness(
    resources: ResourcesDep, concert_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Fairness:
    """The pre-queue's shuffle, checkable by anyone: the commitment (SHA-256 of the seed)
    from when the sale is scheduled, the seed once the opening has shuffled the line."""
    return await sale.fairness_record(resources, concert_id=concert_id)
