"""Development user creation (profiles local and test only; absent in prod)."""

from __future__ import annotations

from fastapi import APIRouter, status

from seatgate.http.deps import CurrentUserId, ResourcesDep
from seatgate.idempotency.deps import RunOnceDep
from seatgate.users import service
from seatgate.users.schemas import Balance, ChargeRequest, CreatedUser, CreateUserRequest

dev_router = APIRouter(prefix="/api/v1/dev", tags=["dev"])


@dev_router.post("/users", status_code=status.HTTP_201_CREATED)
async def create_dev_user(
    resources: ResourcesDep, body: CreateUserRequest | None = None
) -> CreatedUser:
    request = body or CreateUserRequest()
    return await service.create_user(
        resources.pool, resources.settings, balance=request.balance, name=request.name
    )


router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.get("/me/balance")
async def my_balance(resources: ResourcesDep, user_id: CurrentUserId) -> Balance:
    return await service.get_balance(resources.pool, user_id=user_id)


@router.post("/me/balance/charge")
async def charge_my_balance(
    resources: ResourcesDep, user_id: CurrentUserId, body: ChargeRequest, once: RunOnceDep
) -> Balance:
    command = service.ChargeBalance(
        resources.pool, resources.settings, user_id=user_id, amount=body.amount
    )
    return await once("balance-charge", command, body)
