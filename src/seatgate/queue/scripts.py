"""The waiting room's Lua scripts: each state change and its outbox event in one step.

Every key a script touches carries its concert's hash tag (store.py), so each script runs
in one slot of a Redis Cluster; nothing global (the set of concerts) is written here.

Every script that appends an event does so with `append_event` (messaging/outbox.py),
the one writer of the stream outbox; store.py calls these and reads their replies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from redis.exceptions import NoScriptError

from seatgate.messaging.outbox import APPEND_EVENT_LUA
from seatgate.resources import RedisClient

# Every script names the concert's keys it may touch in one table, `Q`, built from its
# KEYS in this order (store.ConcertKeys.script_keys): a script's own keys follow them.
CONCERT_KEYS_LUA = """
local Q = {concert = KEYS[1], users = KEYS[2], seq = KEYS[3], waiting = KEYS[4],
           polled = KEYS[5], active = KEYS[6], admission = KEYS[7], outbox = KEYS[8],
           prequeue = KEYS[9], sale = KEYS[10], used = KEYS[11]}
"""
CONCERT_KEY_COUNT = 11

# The status of a token as {user_id, status, sequence, expires_ms, rank, last poll ms,
# rate, in pre-queue (0/1), seats remaining, last use ms, concert cache}. Reading it is
# its owner's sign of life: a WAITING token's poll keeps it from going idle, an ACTIVE
# token's use renews its session unless that already lapsed (ARGV idle window).
STATUS_FN = """
local function status_of(tkey, token, now, idle_ms)
  local h = redis.call('HMGET', tkey, 'user_id', 'status', 'sequence', 'expires_ms')
  local rank, seen, pre, used = -1, false, 0, false
  if h[2] == 'WAITING' then
    redis.call('ZADD', Q.polled, 'XX', now, token)
    seen = redis.call('ZSCORE', Q.polled, token)
    if redis.call('ZSCORE', Q.prequeue, token) then pre = 1
    else rank = redis.call('ZRANK', Q.waiting, token) or -1 end
  elseif h[2] == 'ACTIVE' then
    used = redis.call('ZSCORE', Q.used, token)
    if used and tonumber(used) > tonumber(now) - tonumber(idle_ms) then
      redis.call('ZADD', Q.used, 'XX', now, token)
      used = now
    end
  end
  return {h[1], h[2], h[3], h[4] or false, rank, seen, redis.call('HGET', Q.admission, 'rate'),
          pre, redis.call('HGET', Q.sale, 'seats') or false, used or false,
          redis.call('GET', Q.concert) or false}
end
"""

# The concert cache: '0' no such concert, '1' open from the start, '1:<ms>' its sale opens
# then. A concert whose cache is set is registered (store.cache_concert), so its stream is
# one the relay reads.
OPENS_FN = """
local function opens_of(known)
  if string.len(known) > 2 then return tonumber(string.sub(known, 3)) end
  return nil
end
"""

# KEYS: the concert's keys (CONCERT_KEYS_LUA), then the new token's key
# ARGV: the concert's token key prefix, token, user_id, concert_id, now_ms, idle ms of an
#       ACTIVE token, pre-queue window ms, then the event (append_event)
ISSUE_LUA = (
    CONCERT_KEYS_LUA
    + STATUS_FN
    + OPENS_FN
    + APPEND_EVENT_LUA
    + """
local now = tonumber(ARGV[5])
local known = redis.call('GET', Q.concert)
if not known then return {'UNCACHED'} end
if string.sub(known, 1, 1) ~= '1' then return {'UNKNOWN'} end
local existing = redis.call('HGET', Q.users, ARGV[3])
if existing then
  local tkey = ARGV[1] .. existing
  local h = redis.call('HMGET', tkey, 'status', 'expires_ms')
  -- An ACTIVE token past its expiry or idle is over, though the scheduler has not swept it
  -- yet (it will, and frees its slot): the user gets a new place in line, not a dead token.
  local used = redis.call('ZSCORE', Q.used, existing)
  local lapsed = h[1] == 'ACTIVE' and ((h[2] and tonumber(h[2]) <= now)
    or (used and tonumber(used) <= now - tonumber(ARGV[6])))
  if (h[1] == 'WAITING' or h[1] == 'ACTIVE') and not lapsed then
    return {'EXISTING', existing, status_of(tkey, existing, ARGV[5], ARGV[6])}
  end
end
local opens = opens_of(known)
if opens and now < opens - tonumber(ARGV[7]) then return {'TOO_EARLY'} end
local tkey = KEYS[12]
local seq = redis.call('INCR', Q.seq)
redis.call('HSET', tkey, 'user_id', ARGV[3], 'concert_id', ARGV[4], 'sequence', seq,
           'status', 'WAITING', 'issued_ms', ARGV[5])
if opens and now < opens and not redis.call('HGET', Q.sale, 'shuffled_ms') then
  -- The pre-queue: no place yet; the opening's shuffle gives one (SHUFFLE_LUA).
  redis.call('ZADD', Q.prequeue, now, ARGV[2])
  redis.call('HSET', Q.sale, 'pending', 1)
else
  redis.call('ZADD', Q.waiting, seq, ARGV[2])
  redis.call('HSETNX', Q.sale, 'opened_ms', ARGV[5])
  -- What the first ETA was computed from, for seatgate_queue_eta_accuracy at admission.
  local rank = redis.call('ZRANK', Q.waiting, ARGV[2])
  redis.call('HSET', tkey, 'eta_from_ms', ARGV[5], 'eta_rank', rank,
             'eta_rate', redis.call('HGET', Q.admission, 'rate') or '')
end
redis.call('ZADD', Q.polled, now, ARGV[2])
redis.call('HSET', Q.users, ARGV[3], ARGV[2])
append_event(Q.outbox, 8, {sequence = seq})
return {'NEW', ARGV[2], status_of(tkey, ARGV[2], ARGV[5], ARGV[6])}
"""
)

# KEYS: the concert's keys, then the token's key
# ARGV: token, now_ms, user_id of the caller (only the owner's read keeps a token alive),
#       idle ms of an ACTIVE token
POLL_LUA = (
    CONCERT_KEYS_LUA
    + STATUS_FN
    + """
local owner = redis.call('HGET', KEYS[12], 'user_id')
if not owner then return false end
if owner ~= ARGV[3] then return {owner} end
return status_of(KEYS[12], ARGV[1], ARGV[2], ARGV[4])
"""
)

# KEYS: the concert's keys, then the candidates' token keys
# ARGV: expected last_ms ('' = none), now_ms, allowance, max_active, weight, elapsed s,
#       default rate, burst, then per candidate: token, expires_ms, its event (append_event)
# Answers -1 (tick not applied), or {admitted, {per admitted token its ETA's eta_from_ms,
# eta_rank, eta_rate}}.
ADMIT_LUA = (
    CONCERT_KEYS_LUA
    + APPEND_EVENT_LUA
    + """
local last = redis.call('HGET', Q.admission, 'last_ms') or ''
if last ~= ARGV[1] then return -1 end
-- Before the pre-queue's shuffle nobody is admitted: later arrivals would pass it.
if redis.call('HGET', Q.sale, 'pending') then return -1 end
local max_active = tonumber(ARGV[4])
local had_demand = redis.call('ZCARD', Q.waiting) > 0
local sold_out = redis.call('HGET', Q.sale, 'seats') == '0'
local admitted = 0
local etas = {}
local n = (#ARGV - 8) / 5
if sold_out then n = 0 end
for i = 1, n do
  local at = 8 + 5 * (i - 1)
  local token = ARGV[at + 1]
  local tkey = KEYS[11 + i]
  if redis.call('ZCARD', Q.active) >= max_active then break end
  if redis.call('ZSCORE', Q.waiting, token) then
    local expires = ARGV[at + 2]
    redis.call('ZREM', Q.waiting, token)
    redis.call('ZREM', Q.polled, token)
    redis.call('ZADD', Q.active, expires, token)
    redis.call('ZADD', Q.used, ARGV[2], token)
    redis.call('HSET', tkey, 'status', 'ACTIVE', 'expires_ms', expires)
    append_event(Q.outbox, at + 3, nil)
    admitted = admitted + 1
    local eta = redis.call('HMGET', tkey, 'eta_from_ms', 'eta_rank', 'eta_rate')
    etas[#etas + 1] = eta[1] or ''
    etas[#etas + 1] = eta[2] or ''
    etas[#etas + 1] = eta[3] or ''
  end
end
local carry = tonumber(ARGV[3]) - admitted
-- Unused allowance is kept only while it could not be spent because a candidate left;
-- an empty line, a full house or nothing to sell must not bank admissions for a burst.
local full = redis.call('ZCARD', Q.active) >= max_active
if sold_out or full or redis.call('ZCARD', Q.waiting) == 0 then
  carry = math.min(carry, 1)
end
carry = math.min(carry, tonumber(ARGV[8]))
local elapsed = tonumber(ARGV[6])
local rate = tonumber(redis.call('HGET', Q.admission, 'rate') or ARGV[7])
if had_demand and not sold_out and elapsed > 0 then
  rate = rate + tonumber(ARGV[5]) * (admitted / elapsed - rate)
end
redis.call('HSET', Q.admission, 'last_ms', ARGV[2], 'carry', tostring(carry),
           'rate', tostring(rate))
return {admitted, etas}
"""
)

# KEYS: the concert's keys, then the token keys
# ARGV: mode (any | active | idle | unused), cutoff_ms, now_ms, retention s, reason,
#       then per token: token, its event (append_event)
# `active`: ACTIVE past its expiry; `unused`: ACTIVE not used since the cutoff; `idle`:
# WAITING (in line or pre-queue) not polled since the cutoff. Answers per expired token:
# {token, status it had, issued_ms}.
EXPIRE_LUA = (
    CONCERT_KEYS_LUA
    + APPEND_EVENT_LUA
    + """
local mode = ARGV[1]
local cutoff = tonumber(ARGV[2])
local expired = {}
local n = (#ARGV - 5) / 4
local function due(zset, token)
  local score = redis.call('ZSCORE', zset, token)
  return score ~= false and tonumber(score) <= cutoff
end
for i = 1, n do
  local at = 5 + 4 * (i - 1)
  local token = ARGV[at + 1]
  local tkey = KEYS[11 + i]
  local h = redis.call('HMGET', tkey, 'status', 'user_id', 'issued_ms')
  local live = h[1] == 'WAITING' or h[1] == 'ACTIVE'
  if live and mode == 'active' then
    live = due(Q.active, token)
  elseif live and mode == 'unused' then
    live = h[1] == 'ACTIVE' and due(Q.used, token)
  elseif live and mode == 'idle' then
    live = h[1] == 'WAITING' and due(Q.polled, token)
  end
  if live then
    redis.call('ZREM', Q.waiting, token)
    redis.call('ZREM', Q.polled, token)
    redis.call('ZREM', Q.active, token)
    redis.call('ZREM', Q.used, token)
    redis.call('ZREM', Q.prequeue, token)
    redis.call('HSET', tkey, 'status', 'EXPIRED', 'expires_ms', ARGV[3], 'reason', ARGV[5])
    redis.call('EXPIRE', tkey, ARGV[4])
    if redis.call('HGET', Q.users, h[2]) == token then redis.call('HDEL', Q.users, h[2]) end
    append_event(Q.outbox, at + 2, nil)
    expired[#expired + 1] = token
    expired[#expired + 1] = h[1]
    expired[#expired + 1] = h[3] or ''
  end
end
return expired
"""
)
# KEYS: the concert's keys, then the token's key. ARGV: now_ms, idle ms of an ACTIVE
# token, the token. A request with an ACTIVE token renews its session (unless it lapsed
# already). Answers {user_id, status, sequence, expires_ms, last use ms, concert cache},
# or false for an unknown token.
TOUCH_LUA = (
    CONCERT_KEYS_LUA
    + """
local h = redis.call('HMGET', KEYS[12], 'user_id', 'status', 'sequence', 'expires_ms')
if not h[1] then return false end
local used = false
if h[2] == 'ACTIVE' then
  used = redis.call('ZSCORE', Q.used, ARGV[3])
  if used and tonumber(used) > tonumber(ARGV[1]) - tonumber(ARGV[2]) then
    redis.call('ZADD', Q.used, 'XX', ARGV[1], ARGV[3])
    used = ARGV[1]
  end
end
return {h[1], h[2], h[3], h[4] or false, used or false, redis.call('GET', Q.concert) or false}
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
        self, redis: RedisClient, keys: Sequence[str], args: Sequence[Arg]
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
TOUCH = Script(TOUCH_LUA)
