"""Idempotency-Key: the same key and body replays the first answer, status included.

The key, the command and its answer share one transaction: the key row is inserted
first, the command runs on the same connection, the answer is stored, and all of it
commits at once. Nothing else can be left behind: a crash or a 5xx rolls the command
back with its key, so the retry runs it exactly once, and no claim is ever visible
without its answer. A concurrent request with the same key waits on the key's unique
index until that transaction ends, then replays the stored answer (or, if it rolled
back, runs the command itself).

A refused command (a 4xx `DomainError`) is rolled back and its refusal is stored in a
short transaction of its own, so the same key replays it. A `guard` (say, "the queue
token is ACTIVE") is checked only when the key is new: a retry of a command that was
done replays its answer even if the guard would now refuse, and a refusal by the guard
is not stored, so the same key works once the guard passes. Side effects outside
PostgreSQL (Redis, metrics) run after the commit, through `Command.committed`.

Nothing here knows HTTP: a stored answer is a status and a JSON body, and the body of a
refusal comes from the renderer the caller passes in (`idempotency/deps.py` passes the
problem+json one), so a replay is the same body the first request got.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import asyncpg
import orjson
from pydantic import BaseModel

from seatgate.db.executor import Executor
from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import DomainError, IdempotencyKeyInFlight, IdempotencyKeyReused
from seatgate.idempotency import repository

RETENTION_SECONDS = 24 * 3600.0

Result = TypeVar("Result", bound=BaseModel)
Guard = Callable[[], None]
RenderRefusal = Callable[[DomainError], dict[str, Any]]


class Command(Protocol[Result]):
    """A command that may take a key: its body runs in whichever transaction it is given."""

    async def run(self) -> Result:
        """Without a key: in a transaction of its own, side effects included."""

    async def run_in(self, conn: asyncpg.Connection) -> Result:
        """Inside the caller's transaction, which the caller commits or rolls back."""

    async def committed(self, result: Result) -> None:
        """Side effects outside PostgreSQL once `run_in`'s transaction has committed."""


def request_hash(scope: str, request: dict[str, Any]) -> str:
    canonical = orjson.dumps({"scope": scope, "request": request}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class Key:
    """One user's key for one kind of command (`scope`), and the request it came with."""

    user_id: int
    scope: str
    value: str
    request_hash: str

    @classmethod
    def of(cls, *, user_id: int, scope: str, value: str, request: dict[str, Any]) -> Key:
        return cls(user_id, scope, value, request_hash(scope, request))


@dataclass(frozen=True)
class Replay:
    """The answer stored under a key that was used before: what the first request got."""

    status: int
    body: dict[str, Any]


async def run_once(
    pool: asyncpg.Pool,
    key: Key | None,
    command: Command[Result],
    *,
    status: int,
    render_refusal: RenderRefusal,
    guard: Guard | None = None,
) -> Result | Replay:
    """Run `command` at most once per key; without a key, just run it.

    `status` is the success answer's, stored with its body; `render_refusal` gives the
    body stored for a refusal, which is raised as well.
    """
    if key is None:
        if guard is not None:
            guard()
        return await command.run()
    async with UnitOfWork(pool) as uow:
        if not await _claim(uow.conn, key):
            return await _earlier_answer(uow.conn, key)
        if guard is not None:
            guard()  # raising rolls the key back: a guard's refusal is not kept
        try:
            result = await command.run_in(uow.conn)
        except DomainError as error:
            if error.status >= 500:
                raise
            refusal = error
        else:
            body = result.model_dump(mode="json")
            await repository.store(
                uow.conn, key.user_id, key.scope, key.value, status=status, body=body
            )
            await uow.commit()
            await command.committed(result)
            return result
    return await _keep_refusal(pool, key, refusal, render_refusal(refusal))


async def _claim(conn: Executor, key: Key) -> bool:
    return await repository.claim(conn, key.user_id, key.scope, key.value, key.request_hash)


async def _keep_refusal(
    pool: asyncpg.Pool, key: Key, refusal: DomainError, body: dict[str, Any]
) -> Replay:
    kept = await repository.keep(
        pool, key.user_id, key.scope, key.value, key.request_hash, status=refusal.status, body=body
    )
    if kept:
        raise refusal
    # A duplicate took the key while this one rolled back: its answer is the key's now.
    return await _earlier_answer(pool, key)


async def _earlier_answer(conn: Executor, key: Key) -> Replay:
    row = await repository.read(conn, key.user_id, key.scope, key.value)
    if row is None:
        # Pruned between the conflict and this read: only a key a day old can be.
        raise IdempotencyKeyInFlight("The first request with this key is gone; retry it")
    if row.request_hash != key.request_hash:
        raise IdempotencyKeyReused()
    if row.response is None or row.status_code is None:
        # Only a version that claimed keys in a separate transaction wrote such rows.
        raise IdempotencyKeyInFlight()
    return Replay(row.status_code, dict(row.response))


async def prune(pool: asyncpg.Pool, *, limit: int = 1000) -> int:
    """Forget keys older than the retention window, one batch at a time."""
    return await repository.prune(pool, older_than_seconds=RETENTION_SECONDS, limit=limit)
