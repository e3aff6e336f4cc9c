"""A concert's on-sale: scheduling its opening, and the fairness record anyone can check.

The opening time and the shuffle's seed live in PostgreSQL (catalog's concerts row): the
seed must outlive a Redis that loses its last second. The waiting room learns the
opening through its concert cache, which scheduling a sale drops at once.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from seatgate.catalog import service as catalog
from seatgate.catalog.schemas import Sale
from seatgate.errors import NotFound
from seatgate.observability import metrics
from seatgate.queue import fairness, sale_store
from seatgate.queue.domain import from_ms
from seatgate.queue.replies import Shuffle
from seatgate.queue.schemas import Fairness
from seatgate.queue.service import now_ms
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources
from seatgate.settings import Settings

# How long the shuffled order is kept in Redis for `seatgate verify-shuffle`.
ORDER_KEEP_SECONDS = 7 * 24 * 3600
SHUFFLE_TRIES = 3


async def schedule_sale(resources: Resources, *, concert_id: int, opens_at: datetime) -> Sale:
    """Open the concert's sale at `opens_at`; its seed is drawn the first time."""
    sale = await catalog.schedule_sale(
        resources.pool, concert_id=concert_id, opens_at=opens_at, seed=fairness.new_seed()
    )
    await QueueStore(resources).forget_concert(concert_id)
    return sale


def schedule_sale_now(settings: Settings, concert_id: int, opens_at: datetime) -> Sale:
    """`schedule_sale` on connections of its own, for callers outside an event loop
    (`seatgate sale open`, the flash-crowd load test)."""

    async def run() -> Sale:
        resources = await Resources.open(settings)
        try:
            return await schedule_sale(resources, concert_id=concert_id, opens_at=opens_at)
        finally:
            await resources.close()

    return asyncio.run(run())


def prequeue_opens_at(opens_at: datetime | None, window_seconds: int) -> datetime | None:
    return None if opens_at is None else opens_at - timedelta(seconds=window_seconds)


async def fairness_record(resources: Resources, *, concert_id: int) -> Fairness:
    """The commitment from the start, the seed once the pre-queue was shuffled."""
    sale = await catalog.sale(resources.pool, concert_id=concert_id)
    if sale is None:
        raise NotFound(f"Concert {concert_id} does not exist")
    window = resources.settings.prequeue_window_seconds
    return Fairness(
        commitment=None if sale.seed is None else fairness.commitment(sale.seed),
        seed=sale.seed.hex() if sale.seed is not None and sale.shuffled_at else None,
        algorithm=fairness.ALGORITHM,
        prequeue_opens_at=prequeue_opens_at(sale.opens_at, window),
        sale_opens_at=sale.opens_at,
        shuffled_at=sale.shuffled_at,
    )


async def open_due_sales(resources: Resources, *, now: float | None = None) -> int:
    """The scheduler's job: shuffle the pre-queue of every sale whose opening has come;
    how many this call shuffled (racing callers: each sale is shuffled by one of them)."""
    at_ms = now_ms(now)
    due = await catalog.due_sales(resources.pool, now=from_ms(at_ms))
    shuffled = 0
    for sale in due:
        shuffled += await open_sale(resources, sale, now_ms=at_ms) is Shuffle.SHUFFLED
    return shuffled


async def open_sale(resources: Resources, sale: Sale, *, now_ms: int) -> Shuffle:
    """Place the concert's pre-queue by the seed, once, then record when in PostgreSQL,
    where the fairness record reveals the seed from then on."""
    # due_sales reads only scheduled sales, which have both.
    assert sale.seed is not None
    assert sale.opens_at is not None
    store = QueueStore(resources)
    opens_ms = int(sale.opens_at.timestamp() * 1000)
    rate = await sale_store.measured_rate(store, sale.concert_id)
    for _ in range(SHUFFLE_TRIES):
        tokens = await sale_store.prequeue(store, sale.concert_id)
        result, at_ms = await sale_store.shuffle(
            store,
            sale.concert_id,
            fairness.shuffled(sale.seed, tokens),
            now_ms=now_ms,
            opens_ms=opens_ms,
            rate=rate,
            keep_seconds=ORDER_KEEP_SECONDS,
        )
        if result is not Shuffle.CHANGED:
            shuffled_at = from_ms(at_ms if at_ms is not None else now_ms)
            await catalog.record_shuffle(
                resources.pool, concert_id=sale.concert_id, shuffled_at=shuffled_at
            )
            return result
    return Shuffle.CHANGED  # tokens still arriving or leaving: the next tick tries again


async def refresh_inventory(resources: Resources, *, now: float | None = None) -> int:
    """The scheduler's job: tell each waiting room how many seats are left to sell, which
    stops admission at 0 (SOLD_OUT) and resumes it when a hold lapses; concerts sold out."""
    at_ms = now_ms(now)
    store = QueueStore(resources)
    counts = await catalog.sellable_seats(resources.pool, concert_ids=await store.concert_ids())
    sold_out = 0
    for concert_id, seats in counts.items():
        if seats is None:
            continue
        found = await sale_store.set_inventory(store, concert_id, seats=seats, now_ms=at_ms)
        if found.sold_out_ms is not None:
            sold_out += 1
            if found.opened_ms is not None:
                after = max(0, found.sold_out_ms - found.opened_ms) / 1000
                metrics.queue_sold_out_after_seconds.labels(str(concert_id)).set(after)
    return sold_out


async def verify_shuffle(resources: Resources, *, concert_id: int) -> tuple[Fairness, list[str]]:
    """The published record and the order the opening made, for `seatgate verify-shuffle`."""
    record = await fairness_record(resources, concert_id=concert_id)
    return record, await sale_store.order(QueueStore(resources), concert_id)
