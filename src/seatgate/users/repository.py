"""SQL for users and their balance ledger."""

from __future__ import annotations

from typing import NamedTuple

from seatgate.db.executor import Executor

CREATE_USER_SQL = """
WITH created AS (
    INSERT INTO users (name, balance) VALUES ($1, $2) RETURNING id, balance
), ledger AS (
    INSERT INTO balance_ledger (user_id, delta, reason)
    SELECT id, balance, 'INITIAL' FROM created WHERE balance > 0
)
SELECT id FROM created
"""


async def insert_user(conn: Executor, *, name: str, balance: int) -> int:
    user_id = await conn.fetchval(CREATE_USER_SQL, name, balance)
    return int(user_id)


async def fetch_balance(conn: Executor, user_id: int) -> int | None:
    balance = await conn.fetchval("SELECT balance FROM users WHERE id = $1", user_id)
    return None if balance is None else int(balance)


# The ledger row is written with the balance change, so balance = sum(delta) holds.
CHARGE_SQL = """
WITH charged AS (
    UPDATE users SET balance = balance + $2 WHERE id = $1 RETURNING id, balance
), ledger AS (
    INSERT INTO balance_ledger (user_id, delta, reason)
    SELECT id, $2, 'CHARGE' FROM charged
    RETURNING id
)
SELECT c.balance, l.id AS ledger_id FROM charged c, ledger l
"""


class Charged(NamedTuple):
    balance: int
    ledger_id: int


async def charge(conn: Executor, user_id: int, amount: int) -> Charged | None:
    """The balance after the charge and its ledger row; None if the user does not exist."""
    row = await conn.fetchrow(CHARGE_SQL, user_id, amount)
    return None if row is None else Charged(**row)
