"""FastAPI dependencies for the queue token in `X-Queue-Token`, for every feature's api.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header

from seatgate.errors import QueueTokenInvalid, SaleNotOpen, TokenNotActive
from seatgate.http.deps import CurrentUserId, ResourcesDep
from seatgate.queue import service
from seatgate.queue.domain import QueueTokenInfo

QUEUE_TOKEN_HEADER = "X-Queue-Token"  # noqa: S105 - a header name, not a secret


async def queue_token_info(
    resources: ResourcesDep,
    user_id: CurrentUserId,
    x_queue_token: Annotated[
        str | None, Header(description="The queue token from POST /api/v1/queue/tokens")
    ] = None,
) -> QueueTokenInfo:
    """The caller's own queue token, in any status; 401 if missing or forged, 403 if not theirs."""
    if not x_queue_token:
        raise QueueTokenInvalid(f"{QUEUE_TOKEN_HEADER} is required")
    return await service.token_info(resources, token=x_queue_token.strip(), user_id=user_id)


def require_active(info: QueueTokenInfo) -> None:
    """SALE_NOT_OPEN before the opening, else TOKEN_NOT_ACTIVE unless ACTIVE."""
    if info.sale_not_open(datetime.now(UTC)):
        raise SaleNotOpen(
            f"The sale opens at {info.sale_opens_at}",
            sale_opens_at=info.sale_opens_at.isoformat() if info.sale_opens_at else None,
        )
    if not info.is_active:
        raise TokenNotActive(f"Queue token is {info.status}, not ACTIVE", queue_status=info.status)


async def active_queue_token(
    info: Annotated[QueueTokenInfo, Depends(queue_token_info)],
) -> QueueTokenInfo:
    require_active(info)
    return info


QueueToken = Annotated[QueueTokenInfo, Depends(queue_token_info)]
ActiveQueueToken = Annotated[QueueTokenInfo, Depends(active_queue_token)]
