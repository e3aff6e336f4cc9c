"""What the on-sale's abuse limits add to a poll, and what an early poll costs instead.

    SEATGATE_REDIS_URL=redis://127.0.0.1:6379/0 python -m benchmarks.queue_limits

One process, one Redis, sequential (the cost of one request, not throughput); best mean
of three rounds of 2,000 on a shared machine. Compares:
  poll               the status script (what a poll at the advertised interval costs)
  limits + poll      the per-user and per-address GCRA checks (one pipeline) before it
  early poll         a poll sooner than the advertised interval: the last status, no Redis
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable

from seatgate.queue import limits, service
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources, redis_client
from seatgate.settings import load_settings

CONCERT_ID = 1
USERS = 1_000
ROUNDS = 3
REQUESTS = 2_000


async def mean_us(step: Callable[[int], Awaitable[object]]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for n in range(REQUESTS):
            await step(n)
        best = min(best, (time.perf_counter() - started) / REQUESTS * 1e6)
    return best


async def run(redis_url: str) -> None:
    settings = load_settings(
        profile="test",
        redis_url=redis_url,
        redis_key_prefix=f"seatgate-bench-{os.getpid()}:",
        waiting_token_idle_seconds=3600,
        rate_limit_user_per_second=1e5,
        rate_limit_address_per_second=1e6,
    )
    resources = Resources(settings=settings, pool=None, redis=redis_client(settings))
    store = QueueStore(resources)
    await resources.redis.set(store.for_concert(CONCERT_ID).concert, "1")
    try:
        issued = [
            (await service.issue_token(resources, user_id=user, concert_id=CONCERT_ID))[0].token
            for user in range(1, USERS + 1)
        ]

        async def poll(n: int) -> object:
            user = n % USERS
            return await service.poll(
                resources, token=issued[user], user_id=user + 1, now=time.time()
            )

        async def limited_poll(n: int) -> object:
            found = limits.limits_for(
                settings, settings.redis_key_prefix, user_id=n % USERS + 1, address="10.0.0.1"
            )
            await limits.check(resources.redis, found)
            return await poll(n)

        async def early_poll(n: int) -> object:
            user = n % USERS
            return await service.poll(resources, token=issued[user], user_id=user + 1)

        plain = await mean_us(poll)
        limited = await mean_us(limited_poll)
        for n in range(USERS):  # each token's status answered once: the next are early
            await early_poll(n)
        early = await mean_us(early_poll)
    finally:
        keys = [key async for key in resources.redis.scan_iter(f"{settings.redis_key_prefix}*")]
        for start in range(0, len(keys), 1000):
            await resources.redis.delete(*keys[start : start + 1000])
        await resources.redis.aclose()
    print(f"{'request':<16} {'mean µs':>9} {'vs poll':>8}")
    for name, value in (("poll", plain), ("limits + poll", limited), ("early poll", early)):
        print(f"{name:<16} {value:>9.1f} {value / plain:>7.2f}x")
    print(f"the limits add {limited - plain:.0f} µs per poll")


def main() -> int:
    url = os.environ.get("SEATGATE_REDIS_URL")
    if not url:
        print(
            "SEATGATE_REDIS_URL is not set; fix: point it at a Redis, e.g. redis://127.0.0.1:6379/0"
        )
        return 2
    asyncio.run(run(url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
