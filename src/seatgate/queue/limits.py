"""Rate limits on taking a token and polling: per user and per client address, in Redis.

Each limit is a GCRA (generic cell rate algorithm) over one key holding one number,
the theoretical arrival time: a sustained rate with a burst, one O(1) script per key,
no counters to sweep. Each key carries its own hash tag, so on a Redis Cluster every
script touches one slot; the user's and the address's checks go in one pipeline, one
round trip (on a cluster, which refuses scripts in a pipeline, side by side).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from typing import NamedTuple

import redis.asyncio as redis_async
from redis.exceptions import NoScriptError

from seatgate.queue import replies
from seatgate.queue.scripts import Script
from seatgate.resources import RedisClient
from seatgate.settings import Settings

# KEYS: the limiter's key. ARGV: now ms, ms per request at the sustained rate, burst.
# Answers 0 when the request may go (and counts it), else the ms until one may.
GCRA_LUA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowed_at = tat + interval - burst * interval
if allowed_at > now then return math.ceil(allowed_at - now) end
local next_tat = tat + interval
redis.call('SET', KEYS[1], tostring(next_tat), 'PX', math.ceil(next_tat - now) + 1)
return 0
"""
GCRA = Script(GCRA_LUA)

USER = "user"
ADDRESS = "address"


class Limit(NamedTuple):
    scope: str  # USER or ADDRESS: the label of seatgate_rate_limited_total
    key: str
    per_second: float
    burst: int


class Refusal(NamedTuple):
    scope: str
    retry_after_seconds: int


def limits_for(
    settings: Settings, key_prefix: str, *, user_id: int, address: str | None
) -> list[Limit]:
    """The limits a request of this user from this address is under (0/s = no limit)."""
    found = []
    if settings.rate_limit_user_per_second > 0:
        found.append(
            Limit(
                USER,
                f"{key_prefix}limit:{{user:{user_id}}}",
                settings.rate_limit_user_per_second,
                settings.rate_limit_user_burst,
            )
        )
    if address and settings.rate_limit_address_per_second > 0:
        found.append(
            Limit(
                ADDRESS,
                f"{key_prefix}limit:{{address:{address}}}",
                settings.rate_limit_address_per_second,
                settings.rate_limit_address_burst,
            )
        )
    return found


async def check(
    redis: RedisClient, limits: Sequence[Limit], *, now: float | None = None
) -> Refusal | None:
    """Count the request against every limit; the first refusal, or None if it may go."""
    if not limits:
        return None
    at_ms = int((time.time() if now is None else now) * 1000)
    waits = await _run(redis, limits, at_ms)
    for limit, wait_ms in zip(limits, waits, strict=True):
        if wait_ms > 0:
            return Refusal(limit.scope, max(1, math.ceil(wait_ms / 1000)))
    return None


async def _run(redis: RedisClient, limits: Sequence[Limit], at_ms: int) -> list[int]:
    if isinstance(redis, redis_async.RedisCluster):
        answers = await asyncio.gather(
            *(
                GCRA(redis, [limit.key], [at_ms, 1000 / limit.per_second, limit.burst])
                for limit in limits
            )
        )
        return [replies.integer(answer) for answer in answers]
    for attempt in range(2):
        pipe = redis.pipeline(transaction=False)
        for limit in limits:
            interval_ms = 1000 / limit.per_second
            pipe.evalsha(GCRA.sha, 1, limit.key, at_ms, interval_ms, limit.burst)
        answers = await pipe.execute(raise_on_error=False)
        if not attempt and any(isinstance(answer, NoScriptError) for answer in answers):
            await redis.script_load(GCRA.text)  # a restarted Redis forgot it
            continue
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        return [replies.integer(answer) for answer in answers]
    raise NoScriptError("the rate-limit script is not loaded")
