"""Idempotency-Key: the same key and body replays the first answer, status included.

The key is claimed (committed) before the command runs, so a concurrent duplicate
sees it in flight (409) instead of running the command a second time; the answer
is stored after the command. Answers to refused commands (4xx) are stored and
replayed too; a failure of ours (5xx, crash) releases the key so a retry runs.
A `guard` (say, "the queue token is ACTIVE") is checked only when the key is new: a
retry of a command that was done replays its answer even if the guard would now refuse,
and a refusal by the guard is not stored, so the same key works once the guard passes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from seatgate.errors import DomainError, IdempotencyKeyInFlight, IdempotencyKeyReused
from seatgate.http.problems import problem_body
from seatgate.idempotency import repository

STALE_CLAIM_SECONDS = 60.0
RETENTION_SECONDS = 24 * 3600.0

Action = Callable[[], Awaitable[tuple[int, dict[str, Any]]]]
Guard = Callable[[], None]


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
    action: Action,
    guard: Guard | None = None,
) -> Answer:
    """Run `action` at most once per (user, scope, key); without a key, just run it."""
    if key is None:
        if guard is not None:
            guard()
        status, body = await action()
        return Answer(status, body)
    digest = request_hash(scope, request)
    if not await repository.claim(
        pool, user_id, scope, key, digest, stale_after=STALE_CLAIM_SECONDS
    ):
        return await _earlier_answer(pool, user_id, scope, key, digest)
    try:
        if guard is not None:
            guard()
    except BaseException:
        await repository.release(pool, user_id, scope, key)
        raise
    try:
        status, body = await action()
    except DomainError as error:
        if error.status >= 500:
            await repository.release(pool, user_id, scope, key)
        else:
            body = problem_body(error.status, error.code, error.detail, title=error.title)
            await repository.store(pool, user_id, scope, key, status=error.status, body=body)
        raise
    except BaseException:
        await repository.release(pool, user_id, scope, key)
        raise
    await repository.store(pool, user_id, scope, key, status=status, body=body)
    return Answer(status, body)


async def _earlier_answer(pool: Any, user_id: int, scope: str, key: str, digest: str) -> Answer:
    row = await repository.read(pool, user_id, scope, key)
    if row is None:
        # Released between our claim and this read: the first attempt failed just now.
        raise IdempotencyKeyInFlight("The first request with this key failed; retry it")
    if row["request_hash"] != digest:
        raise IdempotencyKeyReused()
    if row["response"] is None:
        raise IdempotencyKeyInFlight()
    return Answer(int(row["status_code"]), dict(row["response"]), replayed=True)


async def prune(pool: Any, *, limit: int = 1000) -> int:
    """Forget keys older than the retention window, one batch at a time."""
    return await repository.prune(pool, older_than_seconds=RETENTION_SECONDS, limit=limit)
