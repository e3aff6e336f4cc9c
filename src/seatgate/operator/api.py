"""GET /api/v1/ops/*: the operator's read API, behind SEATGATE_OPERATOR_TOKEN."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from seatgate.errors import Unauthenticated
from seatgate.http.deps import ResourcesDep, SettingsDep
from seatgate.operator import service
from seatgate.operator.schemas import Overview


async def operator(
    settings: SettingsDep,
    authorization: Annotated[str | None, Header(description="Bearer <operator token>")] = None,
) -> None:
    scheme, _, given = (authorization or "").partition(" ")
    expected = settings.operator_token.get_secret_value()
    # Constant-time: the token is the only thing between the internet and these figures.
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise Unauthenticated("Authorization: Bearer <SEATGATE_OPERATOR_TOKEN> is required")


router = APIRouter(prefix="/api/v1/ops", tags=["operator"], dependencies=[Depends(operator)])


@router.get("/overview")
async def overview(resources: ResourcesDep) -> Overview:
    """Every concert on sale (waiting, active, admission rate, holds, sales, revenue), the
    outbox, the consumer lag and the alerts firing: what the console at /ops shows."""
    return await service.overview(resources)
