"""messaging SQL: the relay on the outbox table (written by messaging/outbox.py), and
the consumers' dedupe and projection."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from seatgate.db.executor import Executor, row_count

# Claims are serialized by this transaction-level advisory lock so that each claim sees
# the leases committed by the previous one; without it two relays could each lease one
# row of the same key in the same instant and publish them out of order.
CLAIM_LOCK_KEY = 7_300_005

CLAIM_SQL = """
WITH blocked AS MATERIALIZED (
    -- Keys with a row leased by another live relay: their later rows wait for it.
    -- Read through outbox_leased_key_idx, which holds only rows under lease.
    SELECT key, min(id) AS first_id
    FROM outbox
    WHERE published_at IS NULL AND lease_owner IS NOT NULL
      AND lease_owner <> $1 AND lease_until >= now()
    GROUP BY key
), candidates AS (
    SELECT o.id
    FROM outbox o
    WHERE o.published_at IS NULL
      AND (o.lease_until IS NULL OR o.lease_until < now() OR o.lease_owner = $1)
      AND NOT EXISTS (SELECT 1 FROM blocked b WHERE b.key = o.key AND b.first_id < o.id)
    ORDER BY o.id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox o
SET lease_owner = $1, lease_until = now() + make_interval(secs => $3), attempts = o.attempts + 1
FROM candidates c
WHERE o.id = c.id
RETURNING o.id, o.topic, o.key, o.envelope
"""

MARK_PUBLISHED_SQL = """
UPDATE outbox SET published_at = now(), lease_owner = NULL, lease_until = NULL
WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND published_at IS NULL
"""

RELEASE_SQL = """
UPDATE outbox SET lease_owner = NULL, lease_until = NULL
WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND published_at IS NULL
"""

PENDING_SQL = """
SELECT count(*) AS pending, min(created_at) AS oldest
FROM outbox WHERE published_at IS NULL
"""

DELETE_PUBLISHED_SQL = """
WITH old AS (
    SELECT id FROM outbox
    WHERE published_at < now() - make_interval(secs => $1)
    ORDER BY published_at
    LIMIT $2
)
DELETE FROM outbox o USING old WHERE o.id = old.id
"""


@dataclass(frozen=True)
class OutboxRow:
    id: int
    topic: str
    key: str
    envelope: dict[str, Any]  # the envelope's JSON, published as it was written


async def claim(
    pool: asyncpg.Pool, owner: uuid.UUID, *, limit: int, lease_seconds: float
) -> list[OutboxRow]:
    """Lease up to `limit` publishable rows, oldest first, keeping per-key order."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", CLAIM_LOCK_KEY)
        records = await conn.fetch(CLAIM_SQL, owner, limit, lease_seconds)
    rows = [OutboxRow(r["id"], r["topic"], r["key"], r["envelope"]) for r in records]
    return sorted(rows, key=lambda row: row.id)


async def mark_published(pool: asyncpg.Pool, owner: uuid.UUID, ids: list[int]) -> int:
    """Only rows still leased by `owner`: a relay whose lease was taken marks nothing."""
    if not ids:
        return 0
    status = await pool.execute(MARK_PUBLISHED_SQL, ids, owner)
    return row_count(status)


async def release(pool: asyncpg.Pool, owner: uuid.UUID, ids: list[int]) -> None:
    if ids:
        await pool.execute(RELEASE_SQL, ids, owner)


async def pending(pool: asyncpg.Pool) -> tuple[int, datetime | None]:
    record = await pool.fetchrow(PENDING_SQL)
    assert record is not None  # an aggregate without GROUP BY answers one row
    return int(record["pending"]), record["oldest"]


async def delete_published(
    pool: asyncpg.Pool, *, older_than_seconds: int, limit: int = 5000
) -> int:
    status = await pool.execute(DELETE_PUBLISHED_SQL, older_than_seconds, limit)
    return row_count(status)


# --- the broker the relay publishes to ---------------------------------------------------------
BROKER_SEEN_SQL = "SELECT fingerprint, seen_at FROM relay_broker WHERE topic_prefix = $1"

SAW_BROKER_SQL = """
INSERT INTO relay_broker (topic_prefix, fingerprint) VALUES ($1, $2)
ON CONFLICT (topic_prefix) DO UPDATE SET seen_at = now()
WHERE relay_broker.fingerprint = EXCLUDED.fingerprint
"""

SWITCH_BROKER_SQL = """
UPDATE relay_broker SET fingerprint = $3, seen_at = now()
WHERE topic_prefix = $1 AND fingerprint = $2
"""

# Rows published since `$1` go again, oldest first like any unpublished row: the claim
# keeps their order per key. Rows under lease are unpublished and left alone.
REPUBLISH_SQL = """
UPDATE outbox SET published_at = NULL, lease_owner = NULL, lease_until = NULL
WHERE published_at >= $1
"""


@dataclass(frozen=True)
class BrokerSeen:
    fingerprint: str
    seen_at: datetime


async def broker_seen(pool: asyncpg.Pool, topic_prefix: str) -> BrokerSeen | None:
    record = await pool.fetchrow(BROKER_SEEN_SQL, topic_prefix)
    return None if record is None else BrokerSeen(record["fingerprint"], record["seen_at"])


async def saw_broker(pool: asyncpg.Pool, topic_prefix: str, fingerprint: str) -> None:
    """The broker is the one recorded (or the first one): it was intact until now."""
    await pool.execute(SAW_BROKER_SQL, topic_prefix, fingerprint)


# Unpublishing a busy window (300 s of events) can take longer than a request may: the
# statement gets its own bound, on the server and in the client.
REPUBLISH_TIMEOUT_SECONDS = 60.0


async def switch_broker(
    pool: asyncpg.Pool, topic_prefix: str, old: BrokerSeen, fingerprint: str, since: datetime | None
) -> int | None:
    """Record the new broker and unpublish the rows published since `since` (None: none),
    in one transaction; None when another relay switched first (it re-publishes them)."""
    timeout = REPUBLISH_TIMEOUT_SECONDS
    async with pool.acquire() as conn, conn.transaction():
        # The claim's lock: no relay leases rows halfway through the switch.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", CLAIM_LOCK_KEY, timeout=timeout)
        status = await conn.execute(SWITCH_BROKER_SQL, topic_prefix, old.fingerprint, fingerprint)
        if status != "UPDATE 1":
            return None
        if since is None:
            return 0
        await conn.execute(f"SET LOCAL statement_timeout = '{int(timeout)}s'")
        status = await conn.execute(REPUBLISH_SQL, since, timeout=timeout + 5)
    return row_count(status)


# --- consumer side ------------------------------------------------------------------------------
REMEMBER_SQL = """
INSERT INTO processed_events (consumer, event_id)
SELECT $1, unnest($2::uuid[])
ON CONFLICT DO NOTHING
RETURNING event_id
"""

ADD_SALES_SQL = """
INSERT INTO sales_by_schedule (schedule_id, concert_id, holds, releases, confirmations, revenue)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],
                     $6::bigint[])
ON CONFLICT (schedule_id) DO UPDATE SET
    holds = sales_by_schedule.holds + EXCLUDED.holds,
    releases = sales_by_schedule.releases + EXCLUDED.releases,
    confirmations = sales_by_schedule.confirmations + EXCLUDED.confirmations,
    revenue = sales_by_schedule.revenue + EXCLUDED.revenue,
    updated_at = now()
"""


async def remember_processed(
    conn: Executor, consumer: str, event_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Record the events as processed by `consumer`; return those it had not seen before."""
    # Sorted: two consumers inserting overlapping ids (after a rebalance) lock in one order.
    records = await conn.fetch(REMEMBER_SQL, consumer, sorted(set(event_ids)))
    return {record["event_id"] for record in records}


@dataclass
class SalesDelta:
    concert_id: int
    holds: int = 0
    releases: int = 0
    confirmations: int = 0
    revenue: int = 0


async def add_sales(conn: Executor, deltas: dict[int, SalesDelta]) -> None:
    if not deltas:
        return
    schedules = sorted(deltas)  # a fixed order, so concurrent consumers cannot deadlock
    await conn.execute(
        ADD_SALES_SQL,
        schedules,
        [deltas[s].concert_id for s in schedules],
        [deltas[s].holds for s in schedules],
        [deltas[s].releases for s in schedules],
        [deltas[s].confirmations for s in schedules],
        [deltas[s].revenue for s in schedules],
    )
