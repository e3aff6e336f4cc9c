"""SQL for Idempotency-Key records, written in the transaction of the command they answer."""

from __future__ import annotations

from typing import Any, NamedTuple

from seatgate.db.executor import Executor, row_count

# Inside the command's transaction. A concurrent request with the same key blocks on
# the primary key until this transaction ends, then finds the stored answer (commit)
# or takes the key itself (rollback); so every committed row carries its answer.
CLAIM_SQL = """
INSERT INTO idempotency_keys (user_id, scope, key, request_hash)
VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id, scope, key) DO NOTHING
RETURNING true
"""

READ_SQL = """
SELECT request_hash, status_code, response FROM idempotency_keys
WHERE user_id = $1 AND scope = $2 AND key = $3
"""

STORE_SQL = """
UPDATE idempotency_keys SET status_code = $4, response = $5
WHERE user_id = $1 AND scope = $2 AND key = $3
"""

# A refusal is kept in a transaction of its own, after the command's rolled back.
KEEP_SQL = """
INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status_code, response)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (user_id, scope, key) DO NOTHING
RETURNING true
"""

PRUNE_SQL = """
DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM idempotency_keys
    WHERE created_at < now() - make_interval(secs => $1) LIMIT $2))
"""


class StoredKey(NamedTuple):
    request_hash: str
    status_code: int | None
    response: dict[str, Any] | None  # a problem+json or response body, as JSON


async def claim(conn: Executor, user_id: int, scope: str, key: str, request_hash: str) -> bool:
    return bool(await conn.fetchval(CLAIM_SQL, user_id, scope, key, request_hash))


async def read(conn: Executor, user_id: int, scope: str, key: str) -> StoredKey | None:
    row = await conn.fetchrow(READ_SQL, user_id, scope, key)
    return None if row is None else StoredKey(**row)


async def store(
    conn: Executor, user_id: int, scope: str, key: str, *, status: int, body: dict[str, Any]
) -> None:
    await conn.execute(STORE_SQL, user_id, scope, key, status, body)


async def keep(
    conn: Executor,
    user_id: int,
    scope: str,
    key: str,
    request_hash: str,
    *,
    status: int,
    body: dict[str, Any],
) -> bool:
    """Store a finished answer under a key nobody holds; False if someone has it now."""
    return bool(await conn.fetchval(KEEP_SQL, user_id, scope, key, request_hash, status, body))


async def prune(conn: Executor, *, older_than_seconds: float, limit: int) -> int:
    return row_count(await conn.execute(PRUNE_SQL, older_than_seconds, limit))
