"""The Lua scripts of the shared limiter (:mod:`bot.smsc.redis_limiter`). Each runs atomically
in Redis, on Redis's clock, so that replicas with clocks apart still count one window.

A request's entry in a window is its id: scored with the time its answer came, or, while it is
in flight, with a time past the window (a request in flight may have reached SMSC already: it
counts, and its window cannot reopen before its answer is known). A replica that dies with a
request in flight leaves an entry that still ends: ``hold`` seconds after it was reserved.
"""

from __future__ import annotations

# KEYS: 1 the marker of what Redis holds, 2 in-flight set, 3 halved cap, 4 gate, 5 back-off,
# 6 probe, 7 rejected, 8 account failures, 9 site failures, 10 site's risky set, 11 known to work,
# then one window per rule.
# ARGV: 1 id, 2 window, 3 hold, 4 max concurrent, 5 probe retry, 6 site limit, 7 site ceiling,
# 8 account limit, 9 untried (0/1), then each rule's limit.
# Everything a request must pass, checked and taken at once: nothing is held for a request that
# does not go out. Returns {verdict, seconds, probe}:
#   ok: reserved (seconds: now; probe 1: this request is the address's probe after a block),
#       also when this id was reserved already (the same script run again after a lost reply);
#   wait: a window opens in that many seconds; -1 when only the concurrency cap holds it;
#   risky: room for requests not known to work frees when one in flight is answered;
#   restore: Redis lost what it held (a restart without persistence): restore the windows first;
#   rejected, account, site: the failure gates; blocked: the address, for that many seconds.
ENTER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {'restore', '0', 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local id, window, hold = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[2], id) then
  -- Reserved already: this is the same request sent again (its answer was lost on the way).
  if redis.call('GET', KEYS[6]) == id then return {'ok', tostring(now), 1} end
  return {'ok', tostring(now), 0}
end
local rejected = redis.call('PTTL', KEYS[7])
if rejected > 0 then return {'rejected', tostring(rejected / 1000), 0} end
redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', now - window)
if redis.call('ZCARD', KEYS[8]) >= tonumber(ARGV[8]) then
  local first = redis.call('ZRANGE', KEYS[8], 0, 0, 'WITHSCORES')
  return {'account', tostring(tonumber(first[2]) + window - now), 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', now - window)
local failed = redis.call('ZCARD', KEYS[9])
local function until_first()
  if failed == 0 then return '1' end
  local first = redis.call('ZRANGE', KEYS[9], 0, 0, 'WITHSCORES')
  return tostring(tonumber(first[2]) + window - now)
end
if failed >= tonumber(ARGV[7]) then return {'site', until_first(), 0} end
local risky = ARGV[9] == '1' or redis.call('EXISTS', KEYS[11]) == 0
if risky then
  if failed >= tonumber(ARGV[6]) then return {'site', until_first(), 0} end
  redis.call('ZREMRANGEBYSCORE', KEYS[10], '-inf', now)
  if failed + redis.call('ZCARD', KEYS[10]) >= tonumber(ARGV[6]) then return {'risky', '0', 0} end
end
local blocked = redis.call('PTTL', KEYS[4])
if blocked > 0 then return {'blocked', tostring(blocked / 1000), 0} end
local probe = redis.call('EXISTS', KEYS[5]) == 1
if probe and redis.call('EXISTS', KEYS[6]) == 1 then return {'blocked', ARGV[5], 0} end
local cap = tonumber(redis.call('GET', KEYS[3]) or ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local wait = 0
for i = 12, #KEYS do
  local limit = tonumber(ARGV[i - 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local used = redis.call('ZCARD', KEYS[i])
  if used >= limit then
    local first = redis.call('ZRANGE', KEYS[i], used - limit, used - limit, 'WITHSCORES')
    local until_open = tonumber(first[2]) + window - now
    if until_open > wait then wait = until_open end
  end
end
if wait > 0 then return {'wait', tostring(wait), 0} end
if redis.call('ZCARD', KEYS[2]) >= cap then return {'wait', '-1', 0} end
local keep = math.ceil((window + hold) * 1000)
for i = 12, #KEYS do
  redis.call('ZADD', KEYS[i], now + hold, id)
  redis.call('PEXPIRE', KEYS[i], keep)
end
redis.call('ZADD', KEYS[2], now + hold, id)
redis.call('PEXPIRE', KEYS[2], keep)
if risky then
  redis.call('ZADD', KEYS[10], now + hold, id)
  redis.call('PEXPIRE', KEYS[10], math.ceil(hold * 1000))
end
if probe then
  redis.call('SET', KEYS[6], id, 'PX', math.ceil(tonumber(ARGV[5]) * 1000))
  return {'ok', tostring(now), 1}
end
return {'ok', tostring(now), 0}
"""

# KEYS: in-flight set, site's risky set, probe, then the windows. ARGV: id.
# A request that was not sent after all (its reservation's answer never reached the replica:
# cancelled, or Redis went away): what ENTER may have taken for it is given back.
RELEASE = """
local id = ARGV[1]
redis.call('ZREM', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
if redis.call('GET', KEYS[3]) == id then redis.call('DEL', KEYS[3]) end
for i = 4, #KEYS do redis.call('ZREM', KEYS[i], id) end
return 1
"""

# KEYS: 1 in-flight set, 2 rejected, 3 account failures, 4 site failures, 5 site's risky set,
# 6 known to work, then the windows.
# ARGV: 1 id, 2 outcome ('failed', 'answered' or 'unanswered'), 3 code, 4 window, 5 rejected
# for (s), 6 trusted for (s).
# The request ended: stamped now in its windows, and what its answer teaches is learnt. A
# window Redis lost meanwhile (a restart) gets the request back: it was sent all the same.
# Returns the stamp.
LEAVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local id, window = ARGV[1], tonumber(ARGV[4])
local keep = math.ceil(window * 2000)
redis.call('ZREM', KEYS[1], id)
for i = 7, #KEYS do
  redis.call('ZADD', KEYS[i], now, id)
  if redis.call('PTTL', KEYS[i]) < keep then redis.call('PEXPIRE', KEYS[i], keep) end
end
redis.call('ZREM', KEYS[5], id)
if ARGV[2] == 'failed' then
  redis.call('ZADD', KEYS[3], now, id)
  redis.call('PEXPIRE', KEYS[3], keep)
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('PEXPIRE', KEYS[4], keep)
  if ARGV[3] == '2' then
    redis.call('SET', KEYS[2], '1', 'PX', math.ceil(tonumber(ARGV[5]) * 1000))
    redis.call('DEL', KEYS[6])
  end
elseif ARGV[2] == 'answered' then
  redis.call('SET', KEYS[6], '1', 'PX', math.ceil(tonumber(ARGV[6]) * 1000))
end
return tostring(now)
"""

# KEYS: halved cap, then the windows. ARGV: id, max concurrent, reduced for (s), window,
# then each rule's limit. SMSC answered error 9: its windows are full whatever ours said, and
# fewer requests go out at once for a while.
REFUSED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[4])
for i = 2, #KEYS do
  local limit = tonumber(ARGV[i + 3])
  local used = redis.call('ZCARD', KEYS[i])
  for n = used, limit - 1 do redis.call('ZADD', KEYS[i], now, ARGV[1] .. ':full:' .. n) end
  redis.call('PEXPIRE', KEYS[i], math.ceil(window * 2000))
end
local cap = tonumber(redis.call('GET', KEYS[1]) or ARGV[2])
local reduced_for = math.ceil(tonumber(ARGV[3]) * 1000)
redis.call('SET', KEYS[1], math.max(1, math.floor(cap / 2)), 'PX', reduced_for)
return 1
"""

# KEYS: gate, back-off, probe. ARGV: first back-off, most back-off (s). SMSC answered error 4.
# Returns the seconds the address now waits, Redis's time, and 1 when this answer set the block
# (0: one was in force already, and that is what is left of it).
BLOCKED = """
local t = redis.call('TIME')
local now = tostring(tonumber(t[1]) + tonumber(t[2]) / 1000000)
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return {tostring(left / 1000), now, 0} end
local backoff = tonumber(ARGV[1])
local before = tonumber(redis.call('GET', KEYS[2]) or '0')
if before > 0 then backoff = math.min(tonumber(ARGV[2]), math.max(backoff, before * 2)) end
redis.call('SET', KEYS[1], '1', 'PX', math.ceil(backoff * 1000))
redis.call('SET', KEYS[2], tostring(backoff), 'EX', 86400)
redis.call('DEL', KEYS[3])
return {tostring(backoff), now, 1}
"""

# KEYS: the marker, then for each stamp its window, then for each request this replica has in
# flight its in-flight set and windows. ARGV: window, hold, how many stamps, each stamp's
# wall-clock time, then the id for each of the last keys. What the database kept of the last
# window and what is still on its way, back in Redis after a restart.
RESTORE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window, hold, stamps = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local keep = math.ceil((window + hold) * 1000)
for i = 2, #KEYS do
  if i <= stamps + 1 then
    redis.call('ZADD', KEYS[i], tonumber(ARGV[i + 2]), 'restored:' .. i .. ':' .. ARGV[i + 2])
  else
    -- NX: an entry there already is the request's stamp, its answer recorded meanwhile.
    redis.call('ZADD', KEYS[i], 'NX', now + hold, ARGV[i + 2])
  end
  redis.call('PEXPIRE', KEYS[i], keep)
end
redis.call('SET', KEYS[1], '1')
return 1
"""
