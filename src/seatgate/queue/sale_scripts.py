"""The on-sale's Lua scripts: the opening's shuffle of the pre-queue, and what is left to sell.

Same key table as every waiting-room script (scripts.CONCERT_KEYS_LUA): one concert's
keys, one hash slot.
"""

from __future__ import annotations

from seatgate.queue.scripts import CONCERT_KEYS_LUA, Script

# KEYS: the concert's keys, the order record, then the token keys in the order given
# ARGV: now_ms, the sale's opening ms, measured rate ('' = none), seconds to keep the
#       order record, then the pre-queue's tokens in shuffled order
# Exactly once per sale, whoever runs it: the first caller whose tokens are exactly the
# pre-queue places it; any later one finds `shuffled_ms` and changes nothing.
SHUFFLE_LUA = (
    CONCERT_KEYS_LUA
    + """
local shuffled = redis.call('HGET', Q.sale, 'shuffled_ms')
if shuffled then return {'ALREADY', shuffled} end
local n = #ARGV - 4
if redis.call('ZCARD', Q.prequeue) ~= n then return {'CHANGED'} end
for i = 1, n do
  if not redis.call('ZSCORE', Q.prequeue, ARGV[4 + i]) then return {'CHANGED'} end
end
local order = KEYS[12]
redis.call('DEL', order)
for i = 1, n do
  local token = ARGV[4 + i]
  -- Scores in [0, 1): ahead of every later arrival, whose sequence INCR drew (>= 1).
  redis.call('ZADD', Q.waiting, (i - 1) / n, token)
  redis.call('HSET', KEYS[12 + i], 'eta_from_ms', ARGV[1], 'eta_rank', i - 1,
             'eta_rate', ARGV[3])
  redis.call('RPUSH', order, token)
end
if n > 0 then redis.call('EXPIRE', order, ARGV[4]) end
redis.call('DEL', Q.prequeue)
redis.call('HSET', Q.sale, 'shuffled_ms', ARGV[1], 'opened_ms', ARGV[2])
redis.call('HDEL', Q.sale, 'pending')
return {'SHUFFLED', ARGV[1]}
"""
)

# KEYS: the concert's keys. ARGV: seats that can be sold now, now_ms.
# Answers {sold-out ms, opened ms} (each false when unknown): sold out since the first
# count of 0, until a count above 0 (a hold lapsed) reopens admission.
INVENTORY_LUA = (
    CONCERT_KEYS_LUA
    + """
redis.call('HSET', Q.sale, 'seats', ARGV[1])
if ARGV[1] == '0' then
  redis.call('HSETNX', Q.sale, 'sold_out_ms', ARGV[2])
else
  redis.call('HDEL', Q.sale, 'sold_out_ms')
end
local sale = redis.call('HMGET', Q.sale, 'sold_out_ms', 'opened_ms')
return {sale[1] or false, sale[2] or false}
"""
)

SHUFFLE = Script(SHUFFLE_LUA)
INVENTORY = Script(INVENTORY_LUA)
