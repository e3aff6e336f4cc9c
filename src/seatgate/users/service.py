"""Creating users for development and load tests (an identity provider does it in prod)."""

from __future__ import annotations

from typing import Any

from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import NotFound, ValidationFailed
from seatgate.identity.tokens import issue_user_token
from seatgate.messaging.envelope import make_event
from seatgate.messaging.outbox import record
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


async def charge_balance(pool: Any, settings: Settings, *, user_id: int, amount: int) -> Balance:
    if not 0 < amount <= settings.max_charge_amount:
        raise ValidationFailed(
            f"amount must be between 1 and {settings.max_charge_amount}",
            errors=[{"field": "body.amount", "message": "out of range"}],
        )
    async with UnitOfWork(pool) as uow:
        row = await repository.charge(uow.conn, user_id, amount)
        if row is None:
            raise NotFound("User not found")
        event = make_event(
            "BalanceCharged",
            user_id,
            {"user_id": user_id, "amount": amount, "balance": row["balance"]},
            fact=f"ledger:{row['ledger_id']}",
        )
        await record(uow.conn, event, key=f"user:{user_id}")
        await uow.commit()
    return Balance(user_id=user_id, balance=row["balance"])
