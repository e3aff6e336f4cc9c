"""Outbox relay: latency from commit to the event being readable on Kafka, and throughput.

    make bench                                    # embedded PostgreSQL, Redis and broker
    SEATGATE_DATABASE_URL=postgresql://... SEATGATE_REDIS_URL=redis://... make bench

A trickle of single-event transactions (as requests write them) measures the latency
from each commit to a reader receiving the message — an upper bound of commit →
broker, which the contract wants under 1 s at p99. A burst of table rows then measures
how many events per second one relay publishes.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

from confluent_kafka import Consumer

from benchmarks.servers import bench_settings
from seatgate.messaging import outbox
from seatgate.messaging.envelope import RESERVATIONS_TOPIC, Occurrence
from seatgate.messaging.kafka import consumer_config, kafka_topic
from seatgate.messaging.relay import Relay
from seatgate.reservations.events import SeatHeld
from seatgate.resources import Resources
from seatgate.settings import Settings

TRICKLE_EVENTS = 500
TRICKLE_GAP_SECONDS = 0.01
BURST_EVENTS = 20_000


def _event(n: int) -> Occurrence:
    held = SeatHeld(
        reservation_id=n,
        user_id=1,
        seat_id=n,
        schedule_id=1,
        concert_id=1,
        price=1000,
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    return held.occurred(fact=f"bench-{uuid.uuid4()}")


def _read(settings: Settings, seen: dict[str, float], stop: threading.Event) -> None:
    consumer = Consumer(
        consumer_config(settings, f"bench-{uuid.uuid4().hex[:6]}", **{"fetch.wait.max.ms": 10})
    )
    consumer.subscribe([kafka_topic(settings, RESERVATIONS_TOPIC)])
    try:
        while not stop.is_set():
            for message in consumer.consume(500, 0.05):
                if message.error() is None:
                    seen[dict(message.headers())["event_id"].decode()] = time.perf_counter()
    finally:
        consumer.close()


async def _wait_for(seen: dict[str, float], count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:  # noqa: ASYNC110 - a thread fills it
        await asyncio.sleep(0.05)


def _print(title: str, latencies: list[float]) -> None:
    latencies.sort()
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"{title}:")
    print(
        f"  p50 {quantiles[49]:.1f} ms   p95 {quantiles[94]:.1f} ms   "
        f"p99 {quantiles[98]:.1f} ms   max {latencies[-1]:.1f} ms"
    )


async def measure(settings: Settings) -> None:
    resources = await Resources.open(settings)
    seen: dict[str, float] = {}
    stop_reader = threading.Event()
    reader = threading.Thread(target=_read, args=(settings, seen, stop_reader), daemon=True)
    stop = asyncio.Event()
    relay = asyncio.create_task(Relay(resources).run(stop))
    try:
        await asyncio.sleep(1)
        reader.start()
        await asyncio.sleep(4)  # the reader's group join
        committed: dict[str, float] = {}
        for n in range(TRICKLE_EVENTS):
            event = _event(n)
            async with resources.pool.acquire() as conn, conn.transaction():
                await outbox.append(conn, [event])
            committed[str(event.envelope.event_id)] = time.perf_counter()
            await asyncio.sleep(TRICKLE_GAP_SECONDS)
        await _wait_for(seen, TRICKLE_EVENTS, 30)
        acked = await resources.pool.fetch(
            "SELECT extract(epoch FROM published_at - created_at) * 1000 AS ms FROM outbox"
        )
        _print(
            f"commit -> acknowledged by the broker, {TRICKLE_EVENTS} single-event txs",
            [float(row["ms"]) for row in acked],
        )
        _print(
            f"commit -> received by a reader, {len(seen)}/{TRICKLE_EVENTS}",
            [(seen[i] - at) * 1000 for i, at in committed.items() if i in seen],
        )

        events = [_event(n) for n in range(BURST_EVENTS)]
        async with resources.pool.acquire() as conn, conn.transaction():
            for start in range(0, BURST_EVENTS, 1000):
                await outbox.append(conn, events[start : start + 1000])
        started = time.perf_counter()
        while await resources.pool.fetchval(  # noqa: ASYNC110 - polling the database
            "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        ):
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        print(f"burst of {BURST_EVENTS} rows published by one relay in {elapsed:.2f} s:")
        print(f"  {BURST_EVENTS / elapsed:,.0f} events/s")
    finally:
        stop.set()
        await relay
        stop_reader.set()
        reader.join(10)
        keys = [key async for key in resources.redis.scan_iter(f"{settings.redis_key_prefix}*")]
        if keys:
            await resources.redis.delete(*keys)
        await resources.close()


def main() -> int:
    with bench_settings(redis=True, kafka=True) as settings:
        asyncio.run(measure(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
