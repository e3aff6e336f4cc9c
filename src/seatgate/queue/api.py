"""HTTP for the waiting room: take a place in line, poll it, leave it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from seatgate.errors import QueueTokenInvalid
from seatgate.http.deps import CurrentUserId, ResourcesDep
from seatgate.queue import service
from seatgate.queue.deps import QUEUE_TOKEN_HEADER
from seatgate.queue.schemas import IssueTokenRequest, QueueStatus

router = APIRouter(prefix="/api/v1/queue", tags=["queue"])

QueueTokenHeader = Annotated[
    str | None, Header(description="The queue token from POST /api/v1/queue/tokens")
]


def _required(token: str | None) -> str:
    if not token or not token.strip():
        raise QueueTokenInvalid(f"{QUEUE_TOKEN_HEADER} is required")
    return token.strip()


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": QueueStatus, "description": "The user's existing token"}},
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


@router.get("/tokens/current")
async def current_token(
    resources: ResourcesDep, user_id: CurrentUserId, x_queue_token: QueueTokenHeader = None
) -> QueueStatus:
    return await service.poll(resources, token=_required(x_queue_token), user_id=user_id)


@router.delete("/tokens/current", status_code=status.HTTP_204_NO_CONTENT)
async def leave_queue(
    resources: ResourcesDep, user_id: CurrentUserId, x_queue_token: QueueTokenHeader = None
) -> Response:
    await service.leave(resources, token=_required(x_queue_token), user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
