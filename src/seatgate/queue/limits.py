"""Rate limits on taking a token and polling: per user and per client address, in Redis.

Each limit is a GCRA (generic cell rate algorithm) over one key holding one number,
the theoretical arrival time: a sustained rate with a burst, one O(1) script per key,
no counters to sweep. On one Redis the user's and the address's limits are one script,
one round trip; each key carries its own hash tag, so on a Redis Cluster each is a
script of its own slot, run side by side.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from typing import NamedTuple

import redis.asyncio as redis_async

from seatgate.queue import replies
from seatgate.queue.scripts import Arg, Script
from seatgate.resources import RedisClient
from seatgate.settings import Settings

# KEYS: the limits' keys. ARGV: now ms, then per key: ms per request at its sustained
# rate, its burst. Answers per key 0 when it lets the request go, else the ms until it
# would; the request is counted against every key only when all let it go.
GCRA_LUA = """
local now = tonumber(ARGV[1])
local waits, next_tats = {}, {}
local refused = false
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tat = math.max(tonumber(redis.call('GET', KEYS[i]) or now), now)
  local allowed_at = tat + interval - burst * interval
  waits[i] = 0
  if allowed_at > now then
    waits[i] = math.ceil(allowed_at - now)
    refused = true
  end
  next_tats[i] = tat + interval
end
if not refused then
  for i = 1, #KEYS do
    redis.call('SET', KEYS[i], tostring(next_tats[i]), 'PX', math.ceil(next_tats[i] - now) + 1)
  end
end
return waits
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
    def args(limit: Limit) -> list[Arg]:
        return [1000 / limit.per_second, limit.burst]

    if isinstance(redis, redis_async.RedisCluster):
        # Each key in its own slot: one script per key, side by side.
        answers = await asyncio.gather(
            *(GCRA(redis, [limit.key], [at_ms, *args(limit)]) for limit in limits)
        )
        return [replies.integer(replies.as_list(answer)[0]) for answer in answers]
    # One Redis: one script over both keys, one round trip.
    flat: list[Arg] = [at_ms]
    for limit in limits:
        flat += args(limit)
    answer = await GCRA(redis, [limit.key for limit in limits], flat)
    return [replies.integer(wait) for wait in replies.as_list(answer)]
