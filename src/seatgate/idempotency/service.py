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
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import asyncpg
import orjson
from pydantic import BaseModel

from seatgate.db.unit_of_work import UnitOfWork
from seatgate.errors import DomainError, IdempotencyKeyInFlight, IdempotencyKeyReused
from seatgate.http.problems import problem_body
from seatgate.idempotency import repository

RETENTION_SECONDS = 24 * 3600.0

Result = TypeVar("Result", bound=BaseModel)
Guard = Callable[[], None]


class Command(Protocol[Result]):
    """A command that may take a key: its body runs in whichever transaction it is given."""

    async def run(self) -> Result:
        """Without a key: in a transaction of its own, side effects included."""

    async def run_in(self, conn: asyncpg.Connection) -> Result:
        """Inside the caller's transaction, which the caller commits or rolls back."""

    async def committed(self, result: Result) -> None:
        """Side effects outside PostgreSQL once `run_in`'s transaction has committed."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(scope: str, request: dict[str, Any]) -> str:
    canonical = orjson.dumps({"scope": scope, "request": request}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


async def run_once(
    pool: Any,
    *,
    user_id: int,
    scope: str,
    key: str | None,
    request: dict[str, Any],
    command: Command[Result],
    status: int,
    guard: Guard | None = None,
) -> Answer:
    """Run `command` at most once per (user, scope, key); without a key, just run it."""
    if key is None:
        if guard is not None:
            guard()
        return Answer(status, (await command.run()).model_dump(mode="json"))
    digest = request_hash(scope, request)
    async with UnitOfWork(pool) as uow:
        if not await repository.claim(uow.conn, user_id, scope, key, digest):
            return await _earlier_answer(uow.conn, user_id, scope, key, digest)
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
            await repository.store(uow.conn, user_id, scope, key, status=status, body=body)
            await uow.commit()
            await command.committed(result)
            return Answer(status, body)
    return await _keep_refusal(pool, refusal, user_id=user_id, scope=scope, key=key, digest=digest)


async def _keep_refusal(
    pool: Any, refusal: DomainError, *, user_id: int, scope: str, key: str, digest: str
) -> Answer:
    body = problem_body(
        refusal.status, refusal.code, refusal.detail, title=refusal.title, **refusal.extra
    )
    if await repository.keep(pool, user_id, scope, key, digest, status=refusal.status, body=body):
        raise refusal
    # A duplicate took the key while this one rolled back: its answer is the key's now.
    return await _earlier_answer(pool, user_id, scope, key, digest)


async def _earlier_answer(conn: Any, user_id: int, scope: str, key: str, digest: str) -> Answer:
    row = await repository.read(conn, user_id, scope, key)
    if row is None:
        # Pruned between the conflict and this read: only a key a day old can be.
        raise IdempotencyKeyInFlight("The first request with this key is gone; retry it")
    if row.request_hash != digest:
        raise IdempotencyKeyReused()
    if row.response is None or row.status_code is None:
        # Only a version that claimed keys in a separate transaction wrote such rows.
        raise IdempotencyKeyInFlight()
    return Answer(row.status_code, dict(row.response), replayed=True)


async def prune(pool: Any, *, limit: int = 1000) -> int:
    """Forget keys older than the retention window, one batch at a time."""
    return await repository.prune(pool, older_than_seconds=RETENTION_SECONDS, limit=limit)
