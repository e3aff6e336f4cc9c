"""The operator's reads: sales and seats per concert in SQL, the waiting room through its
store (read only), and the gauges only a worker sets, as /metrics shows them.

None of it is on a buyer's path: the console asks every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from seatgate.db.executor import Executor
from seatgate.observability.exposition import multiprocess_enabled
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources

CONCERTS_SQL = """
SELECT id, title FROM concerts WHERE id = ANY($1::bigint[])
UNION ALL
(SELECT id, title FROM concerts WHERE NOT id = ANY($1::bigint[]) ORDER BY id LIMIT $2)
"""

# Holds count as live until their expiry, as a buyer's seat map would show them.
SALES_SQL = """
SELECT concert_id,
       count(*) FILTER (WHERE status = 'HELD' AND expires_at > now()) AS holds,
       count(*) FILTER (WHERE status = 'CONFIRMED') AS sales,
       coalesce(sum(price) FILTER (WHERE status = 'CONFIRMED'), 0) AS revenue
FROM reservations WHERE concert_id = ANY($1::bigint[])
GROUP BY concert_id
"""

SEATS_SQL = """
SELECT sc.concert_id, count(*) AS total, count(*) FILTER (WHERE s.status = 'AVAILABLE') AS free
FROM seats s JOIN schedules sc ON sc.id = s.schedule_id
WHERE sc.concert_id = ANY($1::bigint[])
GROUP BY sc.concert_id
"""

OUTBOX_SQL = """
SELECT count(*) AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age
FROM outbox WHERE published_at IS NULL
"""


@dataclass(frozen=True)
class Sales:
    holds: int = 0
    sales: int = 0
    revenue: int = 0


@dataclass(frozen=True)
class Seats:
    total: int = 0
    available: int = 0


@dataclass(frozen=True)
class Line:
    waiting: int
    active: int
    measured_rate: float | None


async def concerts(conn: Executor, *, queued: list[int], limit: int) -> list[tuple[int, str]]:
    """Concerts with a waiting room first, then the others by id, `limit` of those."""
    rows = await conn.fetch(CONCERTS_SQL, queued, limit)
    return [(int(row["id"]), str(row["title"])) for row in rows]


async def sales(conn: Executor, concert_ids: list[int]) -> dict[int, Sales]:
    rows = await conn.fetch(SALES_SQL, concert_ids)
    return {
        int(row["concert_id"]): Sales(int(row["holds"]), int(row["sales"]), int(row["revenue"]))
        for row in rows
    }


async def seats(conn: Executor, concert_ids: list[int]) -> dict[int, Seats]:
    rows = await conn.fetch(SEATS_SQL, concert_ids)
    return {int(row["concert_id"]): Seats(int(row["total"]), int(row["free"])) for row in rows}


async def outbox(conn: Executor) -> tuple[int, float]:
    row = await conn.fetchrow(OUTBOX_SQL)
    assert row is not None  # an aggregate without GROUP BY answers one row
    return int(row["pending"]), float(row["age"])


async def queued_concerts(resources: Resources) -> list[int]:
    return await QueueStore(resources).concert_ids()


async def line(resources: Resources, concert_id: int) -> Line:
    store = QueueStore(resources)
    view = await store.admission(concert_id)
    # The admission script keeps its measured rate in the same hash as its clock.
    rate = await store.redis.hget(store.for_concert(concert_id).admission, "rate")
    return Line(view.waiting, view.active, None if rate is None else float(rate))


def samples() -> dict[str, float]:
    """Sum of each sample name's values, as /metrics would show them: this process's, or
    in multiprocess mode (`seatgate dev`, several workers) every process's."""
    registry: CollectorRegistry = REGISTRY
    if multiprocess_enabled():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    sums: dict[str, float] = {}
    for metric in registry.collect():
        for sample in metric.samples:
            sums[sample.name] = sums.get(sample.name, 0.0) + sample.value
    return sums


def histogram_mean(found: dict[str, float], name: str) -> float | None:
    total, count = found.get(f"{name}_sum"), found.get(f"{name}_count")
    return None if not count or total is None else total / count
