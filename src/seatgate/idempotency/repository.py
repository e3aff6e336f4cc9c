"""SQL for Idempotency-Key records: a row with no response is a request in flight."""

from __future__ import annotations

from typing import Any

# A claim left in flight longer than `stale_after` belongs to a process that died
# between its effect and storing the answer; it may be claimed again, because the
# commands behind keys are guarded by the database (a seat cannot be held twice, a
# reservation cannot be paid twice), so running one again cannot double its effect.
CLAIM_SQL = """
INSERT INTO idempotency_keys AS k (user_id, scope, key, request_hash)
VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id, scope, key) DO UPDATE SET created_at = now()
    WHERE k.response IS NULL AND k.request_hash = EXCLUDED.request_hash
      AND k.created_at < now() - make_interval(secs => $5)
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

RELEASE_SQL = """
DELETE FROM idempotency_keys
WHERE user_id = $1 AND scope = $2 AND key = $3 AND response IS NULL
"""

PRUNE_SQL = """
DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM idempotency_keys
    WHERE created_at < now() - make_interval(secs => $1) LIMIT $2))
"""


async def claim(
    conn: Any, user_id: int, scope: str, key: str, request_hash: str, *, stale_after: float
) -> bool:
    return bool(await conn.fetchval(CLAIM_SQL, user_id, scope, key, request_hash, stale_after))


async def read(conn: Any, user_id: int, scope: str, key: str) -> Any:
    return await conn.fetchrow(READ_SQL, user_id, scope, key)


async def store(
    conn: Any, user_id: int, scope: str, key: str, *, status: int, body: dict[str, Any]
) -> None:
    await conn.execute(STORE_SQL, user_id, scope, key, status, body)


async def release(conn: Any, user_id: int, scope: str, key: str) -> None:
    await conn.execute(RELEASE_SQL, user_id, scope, key)


async def prune(conn: Any, *, older_than_seconds: float, limit: int) -> int:
    status: str = await conn.execute(PRUNE_SQL, older_than_seconds, limit)
    return int(status.rsplit(" ", 1)[1])
