"""The waiting room in Redis. Every state change and its outbox entry happen in one Lua script.

Per concert `c` (all keys under the deployment prefix):
  queue:seq:c        INCR counter: the FIFO sequence
  queue:waiting:c    sorted set token -> sequence   (position = ZRANK + 1, O(log n))
  queue:polled:c     sorted set token -> last poll ms (idle expiry is a range read)
  queue:active:c     sorted set token -> expiry ms   (ZCARD = active count)
  queue:users:c      hash user_id -> live token      (one token per user per concert)
  queue:admission:c  hash last_ms, carry, rate       (the admission clock and measured rate)
  queue:concert:c    "1"/"0" with a short TTL        (concert existence, cached from PostgreSQL)
  queue:token:<t>    hash user_id, concert_id, sequence, status, expires_ms, reason
  queue:concerts     set of concert ids with a queue (what the scheduler walks)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seatgate.resources import Resources

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

# KEYS: concert, users, seq, waiting, polled, token, concerts, outbox, admission
# ARGV: token key prefix, token, user_id, concert_id, now_ms, envelope, topic
ISSUE_LUA = (
    STATUS_FN
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
    return {'EXISTING', existing, status_of(tkey, KEYS[4], KEYS[5], KEYS[9], existing, ARGV[5])}
  end
end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[6], 'user_id', ARGV[3], 'concert_id', ARGV[4], 'sequence', seq,
           'status', 'WAITING')
redis.call('ZADD', KEYS[4], seq, ARGV[2])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
redis.call('SADD', KEYS[7], ARGV[4])
local event = cjson.decode(ARGV[6])
event['data']['sequence'] = seq
redis.call('XADD', KEYS[8], '*', 'topic', ARGV[7], 'key', ARGV[4], 'event', cjson.encode(event))
return {'NEW', ARGV[2], status_of(KEYS[6], KEYS[4], KEYS[5], KEYS[9], ARGV[2], ARGV[5])}
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
#       default rate, burst, topic, concert_id, then per candidate: token, expires_ms, envelope
ADMIT_LUA = """
local last = redis.call('HGET', KEYS[4], 'last_ms') or ''
if last ~= ARGV[1] then return -1 end
local max_active = tonumber(ARGV[4])
local had_demand = redis.call('ZCARD', KEYS[1]) > 0
local admitted = 0
local n = (#ARGV - 10) / 3
for i = 1, n do
  local token = ARGV[10 + 3 * i - 2]
  if redis.call('ZCARD', KEYS[3]) >= max_active then break end
  if redis.call('ZSCORE', KEYS[1], token) then
    local expires = ARGV[10 + 3 * i - 1]
    redis.call('ZREM', KEYS[1], token)
    redis.call('ZREM', KEYS[2], token)
    redis.call('ZADD', KEYS[3], expires, token)
    redis.call('HSET', KEYS[5 + i], 'status', 'ACTIVE', 'expires_ms', expires)
    redis.call('XADD', KEYS[5], '*', 'topic', ARGV[9], 'key', ARGV[10],
               'event', ARGV[10 + 3 * i])
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

# KEYS: waiting, polled, active, users, outbox, token keys...
# ARGV: mode (any | active | idle), cutoff_ms, now_ms, retention s, topic, concert_id,
#       reason, then per token: token, envelope
EXPIRE_LUA = """
local mode = ARGV[1]
local cutoff = tonumber(ARGV[2])
local expired = {}
local n = (#ARGV - 7) / 2
for i = 1, n do
  local token = ARGV[7 + 2 * i - 1]
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
    redis.call('HSET', tkey, 'status', 'EXPIRED', 'expires_ms', ARGV[3], 'reason', ARGV[7])
    redis.call('EXPIRE', tkey, ARGV[4])
    if redis.call('HGET', KEYS[4], h[2]) == token then redis.call('HDEL', KEYS[4], h[2]) end
    redis.call('XADD', KEYS[5], '*', 'topic', ARGV[5], 'key', ARGV[6],
               'event', ARGV[7 + 2 * i])
    expired[#expired + 1] = token
  end
end
return expired
"""


@dataclass(frozen=True)
class ConcertKeys:
    seq: str
    waiting: str
    polled: str
    active: str
    users: str
    admission: str
    concert: str


class QueueStore:
    """Key naming and the registered scripts, bound to one process's Redis client."""

    def __init__(self, resources: Resources) -> None:
        self.redis = resources.redis
        self._key = resources.key
        self.outbox = resources.key("outbox")
        self.concerts = resources.key("queue", "concerts")
        self.token_prefix = resources.key("queue", "token", "")
        self.issue = self.redis.register_script(ISSUE_LUA)
        self.poll = self.redis.register_script(POLL_LUA)
        self.admit = self.redis.register_script(ADMIT_LUA)
        self.expire = self.redis.register_script(EXPIRE_LUA)

    def for_concert(self, concert_id: int) -> ConcertKeys:
        def key(name: str) -> str:
            return str(self._key("queue", name, concert_id))

        return ConcertKeys(
            seq=key("seq"),
            waiting=key("waiting"),
            polled=key("polled"),
            active=key("active"),
            users=key("users"),
            admission=key("admission"),
            concert=key("concert"),
        )

    def token_key(self, token: str) -> str:
        return self.token_prefix + token


_stores: dict[tuple[int, str], QueueStore] = {}


def store_of(resources: Resources) -> QueueStore:
    """One QueueStore per Redis client and prefix, so scripts are registered once."""
    slot = (id(resources.redis), resources.settings.redis_key_prefix)
    store = _stores.get(slot)
    if store is None or store.redis is not resources.redis:
        store = _stores[slot] = QueueStore(resources)
    return store


def as_text(value: Any) -> str | None:
    if value is None or value is False:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)
