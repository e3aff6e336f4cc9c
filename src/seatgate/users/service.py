"""Users for development and load tests (an identity provider makes them in prod), and
their balance."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from seatgate.db.executor import Executor
from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import NotFound, ValidationFailed
from seatgate.identity.tokens import issue_user_token
from seatgate.messaging import outbox
from seatgate.settings import Settings
from seatgate.users import repository
from seatgate.users.events import BalanceCharged
from seatgate.users.schemas import Balance, CreatedUser


async def create_user(
    pool: asyncpg.Pool, settings: Settings, *, balance: int = 0, name: str = ""
) -> CreatedUser:
    async with UnitOfWork(pool) as uow:
        user_id = await repository.insert_user(uow.conn, name=name, balance=balance)
        await uow.commit()
    return CreatedUser(user_id=user_id, token=issue_user_token(settings, user_id))


async def get_balance(pool: asyncpg.Pool, *, user_id: int) -> Balance:
    balance = await repository.fetch_balance(pool, user_id)
    if balance is None:
        # A validly signed token for a user that does not exist here.
        raise NotFound("User not found")
    return Balance(user_id=user_id, balance=balance)


async def charge_balance(
    pool: asyncpg.Pool, settings: Settings, *, user_id: int, amount: int
) -> Balance:
    async with UnitOfWork(pool) as uow:
        balance = await charge_in(uow.conn, settings, user_id=user_id, amount=amount)
        await uow.commit()
    return balance


async def charge_in(conn: Executor, settings: Settings, *, user_id: int, amount: int) -> Balance:
    """The charge inside the caller's transaction: balance, ledger row and event together."""
    if not 0 < amount <= settings.max_charge_amount:
        raise ValidationFailed(
            f"amount must be between 1 and {settings.max_charge_amount}",
            errors=[{"field": "body.amount", "message": "out of range"}],
        )
    row = await repository.charge(conn, user_id, amount)
    if row is None:
        raise NotFound("User not found")
    charged = BalanceCharged(user_id=user_id, amount=amount, balance=row.balance)
    await outbox.append(conn, [charged.occurred(fact=f"ledger:{row.ledger_id}")])
    return Balance(user_id=user_id, balance=row.balance)


@dataclass(frozen=True)
class ChargeBalance:
    """A charge as a command an Idempotency-Key can wrap (see `idempotency.service`)."""

    pool: asyncpg.Pool
    settings: Settings
    user_id: int
    amount: int

    async def run(self) -> Balance:
        return await charge_balance(
            self.pool, self.settings, user_id=self.user_id, amount=self.amount
        )

    async def run_in(self, conn: asyncpg.Connection) -> Balance:
        return await charge_in(conn, self.settings, user_id=self.user_id, amount=self.amount)

    async def committed(self, result: Balance) -> None:
        return None
