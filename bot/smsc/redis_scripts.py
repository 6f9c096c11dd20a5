"""The Lua scripts of the shared limiter (:mod:`bot.smsc.redis_limiter`). Each runs atomically
in Redis, on Redis's clock, so that replicas with clocks apart still count one window.

A request's entry in a window is its id: scored with the time its answer came, or, while it is
in flight, with a time past the window (a request in flight may have reached SMSC already: it
counts, and its window cannot reopen before its answer is known). A replica that dies with a
request in flight leaves an entry that still ends: ``hold`` seconds after it was reserved.
"""

from __future__ import annotations

# KEYS: the marker of what Redis holds, in-flight set, halved cap, then one window per rule.
# ARGV: id, window, hold, max concurrent, then each rule's limit.
# Returns {1, now} when reserved, {0, seconds to wait} when a window is full, {0, -1} when only
# the concurrency cap holds it, {-1, 0} when Redis has lost what it held (a restart without
# persistence): the windows must be restored first.
RESERVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '0'} end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local id, window, hold = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local cap = tonumber(redis.call('GET', KEYS[3]) or ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local wait = 0
for i = 4, #KEYS do
  local limit = tonumber(ARGV[i + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local used = redis.call('ZCARD', KEYS[i])
  if used >= limit then
    local first = redis.call('ZRANGE', KEYS[i], used - limit, used - limit, 'WITHSCORES')
    local until_open = tonumber(first[2]) + window - now
    if until_open > wait then wait = until_open end
  end
end
if wait > 0 then return {0, tostring(wait)} end
if redis.call('ZCARD', KEYS[2]) >= cap then return {0, '-1'} end
local keep = math.ceil((window + hold) * 1000)
for i = 4, #KEYS do
  redis.call('ZADD', KEYS[i], now + hold, id)
  redis.call('PEXPIRE', KEYS[i], keep)
end
redis.call('ZADD', KEYS[2], now + hold, id)
redis.call('PEXPIRE', KEYS[2], keep)
return {1, tostring(now)}
"""

# KEYS: in-flight set, then the windows. ARGV: id. The answer came: stamped now.
STAMP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREM', KEYS[1], ARGV[1])
for i = 2, #KEYS do redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1]) end
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

# KEYS: gate, back-off, probe. ARGV: probe retry (s). Returns {0, 0}: go; {1, 0}: go, as the
# probe; {2, seconds}: blocked.
ENTER_GATE = """
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return {2, tostring(left / 1000)} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {0, '0'} end
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', math.ceil(tonumber(ARGV[1]) * 1000)) then
  return {1, '0'}
end
return {2, ARGV[1]}
"""

# KEYS: gate, back-off, probe. ARGV: first back-off, most back-off (s). SMSC answered error 4.
# Returns the back-off in force.
BLOCKED = """
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return tostring(left / 1000) end
local backoff = tonumber(ARGV[1])
local before = tonumber(redis.call('GET', KEYS[2]) or '0')
if before > 0 then backoff = math.min(tonumber(ARGV[2]), math.max(backoff, before * 2)) end
redis.call('SET', KEYS[1], '1', 'PX', math.ceil(backoff * 1000))
redis.call('SET', KEYS[2], tostring(backoff), 'EX', 86400)
redis.call('DEL', KEYS[3])
return tostring(backoff)
"""

# KEYS: rejected, account failures, site failures, site's risky set, known to work.
# ARGV: id, window, site limit, site ceiling, account limit, hold, untried (0/1).
# Returns {verdict, seconds}: ok, risky (counted until answered), wait (room frees soon),
# rejected, account, site.
ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[2])
local rejected = redis.call('PTTL', KEYS[1])
if rejected > 0 then return {'rejected', tostring(rejected / 1000)} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local own = redis.call('ZCARD', KEYS[2])
if own >= tonumber(ARGV[5]) then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {'account', tostring(tonumber(first[2]) + window - now)}
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
local failed = redis.call('ZCARD', KEYS[3])
local function until_first()
  if failed == 0 then return '1' end
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  return tostring(tonumber(first[2]) + window - now)
end
if failed >= tonumber(ARGV[4]) then return {'site', until_first()} end
if ARGV[7] == '0' and redis.call('EXISTS', KEYS[5]) == 1 then return {'ok', '0'} end
if failed >= tonumber(ARGV[3]) then return {'site', until_first()} end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
if failed + redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[3]) then return {'wait', '0'} end
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[6]), ARGV[1])
redis.call('PEXPIRE', KEYS[4], math.ceil(tonumber(ARGV[6]) * 1000))
return {'risky', '0'}
"""

# KEYS: rejected, account failures, site failures, site's risky set, known to work.
# ARGV: id, outcome ('failed', 'answered' or 'unanswered'), code, window, rejected for (s),
# trusted for (s).
ANSWERED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREM', KEYS[4], ARGV[1])
local keep = math.ceil(tonumber(ARGV[4]) * 2000)
if ARGV[2] == 'failed' then
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], keep)
  redis.call('ZADD', KEYS[3], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[3], keep)
  if ARGV[3] == '2' then
    redis.call('SET', KEYS[1], '1', 'PX', math.ceil(tonumber(ARGV[5]) * 1000))
    redis.call('DEL', KEYS[5])
  end
elseif ARGV[2] == 'answered' then
  redis.call('SET', KEYS[5], '1', 'PX', math.ceil(tonumber(ARGV[6]) * 1000))
end
return 1
"""

# KEYS: the marker, then for each stamp its window. ARGV: window, then for each stamp its
# wall-clock time. What the database kept of the last window, back in Redis after a restart.
RESTORE = """
local window = tonumber(ARGV[1])
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], tonumber(ARGV[i]), 'restored:' .. i .. ':' .. ARGV[i])
  redis.call('PEXPIRE', KEYS[i], math.ceil(window * 2000))
end
redis.call('SET', KEYS[1], '1')
return 1
"""
