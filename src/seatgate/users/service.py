"""Creating users for development and load tests (an identity provider does it in prod)."""

from __future__ import annotations

from typing import Any

from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import NotFound
from seatgate.identity.tokens import issue_user_token
from seatgate.settings import Settings
from seatgate.users import repository
from seatgate.users.schemas import Balance, CreatedUser


async def create_user(
    pool: Any, settings: Settings, *, balance: int = 0, name: str = ""
) -> CreatedUser:
    async with UnitOfWork(pool) as uow:
        user_id = await repository.insert_user(uow.conn, name=name, balance=balance)
        await uow.commit()
    return CreatedUser(user_id=user_id, token=issue_user_token(settings, user_id))


async def get_balance(pool: Any, *, user_id: int) -> Balance:
    balance = await repository.fetch_balance(pool, user_id)
    if balance is None:
        # A validly signed token for a user that does not exist here.
        raise NotFound("User not found")
    return Balance(user_id=user_id, balance=balance)
