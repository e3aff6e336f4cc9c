"""The waiting room's Lua scripts: each state change and its outbox event in one step.

Every key a script touches carries its concert's hash tag (store.py), so each script runs
in one slot of a Redis Cluster; nothing global (the set of concerts) is written here.

Every script that appends an event does so with `append_event` (messaging/outbox.py),
the one writer of the stream outbox; store.py calls these and reads their replies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import redis.asyncio as redis_async
from redis.exceptions import NoScriptError

from seatgate.messaging.outbox import APPEND_EVENT_LUA

# The status of a token as {user_id, status, sequence, expires_ms, rank, last poll ms, rate};
# reading a WAITING token's status is its owner polling, which keeps it from going idle.
STATUS_FN = """
local function status_of(tkey, waiting, polled, admission, token, now)
  local h = redis.call('HMGET', tkey, 'user_id', 'status', 'sequence', 'expires_ms')
  local rank = -1
  local seen = false
  if h[2] == 'WAITING' then
    redis.call('ZADD', polled, 'XX', now, token)
    rank = redis.call('ZRANK', waiting, token) or -1
    seen = redis.call('ZSCORE', polled, token)
  end
  return {h[1], h[2], h[3], h[4] or false, rank, seen, redis.call('HGET', admission, 'rate')}
end
"""

# KEYS: concert, users, seq, waiting, polled, token, outbox, admission
# ARGV: the concert's token key prefix, token, user_id, concert_id, now_ms, then the event
#       (append_event). A concert whose `concert` key is set is registered (global keys,
#       store.cache_concert), so its stream is one the relay reads.
ISSUE_LUA = (
    STATUS_FN
    + APPEND_EVENT_LUA
    + """
local known = redis.call('GET', KEYS[1])
if not known then return {'UNCACHED'} end
if known ~= '1' then return {'UNKNOWN'} end
local existing = redis.call('HGET', KEYS[2], ARGV[3])
if existing then
  local tkey = ARGV[1] .. existing
  local h = redis.call('HMGET', tkey, 'status', 'expires_ms')
  -- An ACTIVE token past its expiry is over, though the scheduler has not swept it yet
  -- (it will, and frees its slot): the user gets a new place in line, not a dead token.
  local lapsed = h[1] == 'ACTIVE' and h[2] and tonumber(h[2]) <= tonumber(ARGV[5])
  if (h[1] == 'WAITING' or h[1] == 'ACTIVE') and not lapsed then
    return {'EXISTING', existing, status_of(tkey, KEYS[4], KEYS[5], KEYS[8], existing, ARGV[5])}
  end
end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[6], 'user_id', ARGV[3], 'concert_id', ARGV[4], 'sequence', seq,
           'status', 'WAITING')
redis.call('ZADD', KEYS[4], seq, ARGV[2])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
append_event(KEYS[7], 6, {sequence = seq})
return {'NEW', ARGV[2], status_of(KEYS[6], KEYS[4], KEYS[5], KEYS[8], ARGV[2], ARGV[5])}
"""
)

# KEYS: token, waiting, polled, admission
# ARGV: token, now_ms, user_id of the caller (only the owner's poll keeps a token alive)
POLL_LUA = (
    STATUS_FN
    + """
local owner = redis.call('HGET', KEYS[1], 'user_id')
if not owner then return false end
if owner ~= ARGV[3] then return {owner} end
return status_of(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2])
"""
)

# KEYS: waiting, polled, active, admission, outbox, token keys...
# ARGV: expected last_ms ('' = none), now_ms, allowance, max_active, weight, elapsed s,
#       default rate, burst, then per candidate: token, expires_ms, its event (append_event)
ADMIT_LUA = (
    APPEND_EVENT_LUA
    + """
local last = redis.call('HGET', KEYS[4], 'last_ms') or ''
if last ~= ARGV[1] then return -1 end
local max_active = tonumber(ARGV[4])
local had_demand = redis.call('ZCARD', KEYS[1]) > 0
local admitted = 0
local n = (#ARGV - 8) / 5
for i = 1, n do
  local at = 8 + 5 * (i - 1)
  local token = ARGV[at + 1]
  if redis.call('ZCARD', KEYS[3]) >= max_active then break end
  if redis.call('ZSCORE', KEYS[1], token) then
    local expires = ARGV[at + 2]
    redis.call('ZREM', KEYS[1], token)
    redis.call('ZREM', KEYS[2], token)
    redis.call('ZADD', KEYS[3], expires, token)
    redis.call('HSET', KEYS[5 + i], 'status', 'ACTIVE', 'expires_ms', expires)
    append_event(KEYS[5], at + 3, nil)
    admitted = admitted + 1
  end
end
local carry = tonumber(ARGV[3]) - admitted
-- Unused allowance is kept only while it could not be spent because a candidate left;
-- an empty line or a full house must not bank admissions for a later burst.
if redis.call('ZCARD', KEYS[1]) == 0 or redis.call('ZCARD', KEYS[3]) >= max_active then
  carry = math.min(carry, 1)
end
carry = math.min(carry, tonumber(ARGV[8]))
local elapsed = tonumber(ARGV[6])
local rate = tonumber(redis.call('HGET', KEYS[4], 'rate') or ARGV[7])
if had_demand and elapsed > 0 then
  rate = rate + tonumber(ARGV[5]) * (admitted / elapsed - rate)
end
redis.call('HSET', KEYS[4], 'last_ms', ARGV[2], 'carry', tostring(carry),
           'rate', tostring(rate))
return admitted
"""
)

# KEYS: waiting, polled, active, users, outbox, token keys...
# ARGV: mode (any | active | idle), cutoff_ms, now_ms, retention s, reason,
#       then per token: token, its event (append_event)
EXPIRE_LUA = (
    APPEND_EVENT_LUA
    + """
local mode = ARGV[1]
local cutoff = tonumber(ARGV[2])
local expired = {}
local n = (#ARGV - 5) / 4
for i = 1, n do
  local at = 5 + 4 * (i - 1)
  local token = ARGV[at + 1]
  local tkey = KEYS[5 + i]
  local h = redis.call('HMGET', tkey, 'status', 'user_id')
  local live = h[1] == 'WAITING' or h[1] == 'ACTIVE'
  if live and mode == 'active' then
    local due = redis.call('ZSCORE', KEYS[3], token)
    live = due ~= false and tonumber(due) <= cutoff
  elseif live and mode == 'idle' then
    local seen = redis.call('ZSCORE', KEYS[2], token)
    live = h[1] == 'WAITING' and seen ~= false and tonumber(seen) <= cutoff
  end
  if live then
    redis.call('ZREM', KEYS[1], token)
    redis.call('ZREM', KEYS[2], token)
    redis.call('ZREM', KEYS[3], token)
    redis.call('HSET', tkey, 'status', 'EXPIRED', 'expires_ms', ARGV[3], 'reason', ARGV[5])
    redis.call('EXPIRE', tkey, ARGV[4])
    if redis.call('HGET', KEYS[4], h[2]) == token then redis.call('HDEL', KEYS[4], h[2]) end
    append_event(KEYS[5], at + 2, nil)
    expired[#expired + 1] = token
  end
end
return expired
"""
)

Arg = str | int | float


class Script:
    """A Lua script whose SHA is computed once, run on whichever client is given: the
    server caches it after the first load, so no call but the first sends its text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    async def __call__(
        self, redis: redis_async.Redis, keys: Sequence[str], args: Sequence[Arg]
    ) -> object:
        try:
            return await redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            await redis.script_load(self.text)
            return await redis.evalsha(self.sha, len(keys), *keys, *args)


ISSUE = Script(ISSUE_LUA)
POLL = Script(POLL_LUA)
ADMIT = Script(ADMIT_LUA)
EXPIRE = Script(EXPIRE_LUA)
