/**
 * The one Lua script behind the Redis limiter store. Every operation (admit, reconcile, leases,
 * pause, provider levels, state) runs atomically inside Redis, reads the time from Redis `TIME`
 * (never a client's clock), and touches only the four keys of one limiter, which share one hash
 * tag (see `keys.ts`), so it runs unchanged on Redis Cluster.
 *
 * KEYS: [1] state hash (dimension index -> TAT, 'p' -> pause-until, 'x' -> the hash's expiry; ms
 * as decimal strings), [2] leases sorted set (lease id -> expiry ms), [3] configuration fingerprint
 * (string), [4] live processes sorted set (process id -> expiry ms).
 *
 * ARGV, common header (see `script-args.ts`):
 *   [1] op, [2] fingerprint ('' = do not check), [3] providerDelayMs (lead), [4] maxConcurrent
 *   (-1 = no cap), [5] lease TTL ms, [6] n = configured dimensions, then n triples
 *   (index, intervalMs, toleranceMs); op arguments start at ARGV[7 + 3n]:
 *   - admit:   deadline (Redis ms; '' = none: past it, nothing is admitted), m, then m requests of
 *              (mode (0 normal, 1 force), wantsSlot (0/1), leaseId, maxWaitMs, n costs)
 *   - wait:    n costs (a dry run: how long until they fit, ignoring concurrency)
 *   - settle:  leaseId ('' = none), n deltas (positive debits, negative refunds; never above a full bucket)
 *   - renew:   m, m lease ids     - hello: process id, ttl ms
 *   - pause:   ms                 - level: dimension index, units (lowers only)
 *   - unpause: (none)
 *   - state:   (none)
 *
 * Every reply is an array { status, mismatch, ... } where mismatch = 1 when the fingerprint
 * stored by the last caller differs from this caller's. Fractional numbers are returned as
 * strings (Redis truncates Lua numbers to integers). Per op:
 *   - admit:   {admitted count k, m, reclaimed, waitMs of the refused request ('' when none was), dimension that
 *              refused or delayed a request (-1: none), Redis time (ms), live processes,
 *              then per admitted request: lease id ('' without a slot), delay ms (start no earlier)}
 *   - wait:    {1, m, waitMs, dimension (-1 when it fits now)}
 *   - settle:  {1 or 0 (lease released or not), m}
 *   - renew:   {renewed count, m}   - hello: {1, m, live processes}
 *   - pause:   {1, m, pauseRemainingMs}
 *   - level:   {1 or 0 (unchanged or dimension not configured), m, levelAfter}
 *   - state:   {1, m, pauseRemainingMs, inFlight, nextLeaseExpiryMs ('' when none), level per dimension...}
 * Refusal dimensions are the dimension's index, 100 (concurrency) or 101 (pause), as in limiter-store.ts.
 */
export const ADMISSION_SCRIPT = `
-- Redis 3.2-4 need effects replication to write after TIME; a no-op from Redis 5 on.
if redis.replicate_commands then redis.replicate_commands() end
local op = ARGV[1]
local fp = ARGV[2]
local lead = tonumber(ARGV[3])
local maxConc = tonumber(ARGV[4])
local leaseTtl = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local MARGIN = 1000
local CONCURRENCY, PAUSE = 100, 101

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000

local function fmt(x) return string.format('%.17g', x) end

-- Sets a TTL of ms (+ margin) on key, never shortening a longer one (another process may need it).
local function extend(key, ms)
  local want = math.ceil(ms) + MARGIN
  local cur = redis.call('PTTL', key)
  if cur == -1 or (cur >= 0 and cur < want) then redis.call('PEXPIRE', key, want) end
end

local idx, interval, tol = {}, {}, {}
local maxTol = 0
for i = 1, n do
  local b = 6 + (i - 1) * 3
  idx[i] = ARGV[b + 1]
  interval[i] = tonumber(ARGV[b + 2])
  tol[i] = tonumber(ARGV[b + 3])
  if tol[i] > maxTol then maxTol = tol[i] end
end
local rest = 7 + n * 3

local mismatch = 0
if fp ~= '' then
  local old = redis.call('GET', KEYS[3])
  if old and old ~= fp then mismatch = 1 end
  redis.call('SET', KEYS[3], fp, 'PX', math.ceil(maxTol + leaseTtl) + MARGIN)
end

-- One read of the state hash: every TAT, the pause-until ('p') and the hash's own expiry ('x').
local tats = {}
local fields = {}
for i = 1, n do fields[i] = idx[i] end
fields[n + 1] = 'p'
fields[n + 2] = 'x'
local raw = redis.call('HMGET', KEYS[1], unpack(fields))
for i = 1, n do tats[i] = (raw[i] and tonumber(raw[i])) or -math.huge end
local pauseUntil = (raw[n + 1] and tonumber(raw[n + 1])) or -math.huge
local expiresAt = (raw[n + 2] and tonumber(raw[n + 2])) or -math.huge

-- Writes fields (a flat name/value list) and keeps the hash alive until \`untilMs\` (+ margin). The
-- expiry is kept in the hash ('x') with a minute of slack, so PEXPIREAT is rarely needed.
local function saveState(fieldValues, untilMs)
  local want = math.ceil(untilMs) + MARGIN
  if want > expiresAt then
    expiresAt = want + 60000
    fieldValues[#fieldValues + 1] = 'x'
    fieldValues[#fieldValues + 1] = fmt(expiresAt)
  end
  if #fieldValues == 0 then return end
  redis.call('HSET', KEYS[1], unpack(fieldValues))
  if fieldValues[#fieldValues - 1] == 'x' then redis.call('PEXPIREAT', KEYS[1], expiresAt) end
end

-- Writes the TATs of the dimensions in changed; the hash lives until its furthest TAT and pause.
local function saveTats(changed)
  local furthest = now
  if pauseUntil > furthest then furthest = pauseUntil end
  local values = {}
  for i = 1, n do
    if changed[i] then
      values[#values + 1] = idx[i]
      values[#values + 1] = fmt(tats[i])
    end
    if tats[i] > furthest then furthest = tats[i] end
  end
  if #values > 0 then saveState(values, furthest) end
end

local function pausedMs()
  if pauseUntil > now then return pauseUntil - now end
  return 0
end

local function levelOf(i)
  local base = tats[i]
  if base < now then base = now end
  return (tol[i] - (base - now)) / interval[i]
end

-- The lead charged from a full bucket: at most what the bucket holds beyond the request (a
-- one-request bucket would otherwise never admit anything; see gcra.ts).
local function leadFor(i, cost)
  local room = tol[i] - cost * interval[i]
  if lead < room then return lead end
  if room > 0 then return room end
  return 0
end

-- Worst wait over the rate dimensions for costs starting at ARGV[from].
local function worstWait(from)
  local worst, dim = 0, -1
  for i = 1, n do
    local cost = tonumber(ARGV[from + i - 1])
    -- Relative to now (absolute ms lose precision in a double); under 1 us (TIME's resolution) is no wait.
    local l = leadFor(i, cost)
    local ahead = l
    if tats[i] > now + l then ahead = tats[i] - now end
    local wait = ahead + cost * interval[i] - tol[i]
    if wait > 0.001 and wait > worst then worst, dim = wait, tonumber(idx[i]) end
  end
  return worst, dim
end

if op == 'admit' then
  -- A batch, in queue order; it stops at the first request that does not fit now. That request,
  -- when it fits within its maxWait, is admitted with a delay (a reservation: the admission the
  -- limiter would make at its start time), so every process's head is served in the order it asks
  -- and a large request is never starved by smaller ones from other processes. One reservation per
  -- batch: the rest of the queue stays in the process, where priorities can still reorder it.
  -- Processes live on this limiter now: every process derives its share while Redis is down the same way.
  local live = redis.call('ZCOUNT', KEYS[4], '(' .. fmt(now), '+inf')
  -- Past its deadline (Redis time) the caller has given up on this call (a Redis that froze and
  -- resumed runs it late): admitting would charge for requests that will never be sent.
  local deadline = ARGV[rest]
  if deadline ~= '' and now > tonumber(deadline) then return {0, mismatch, 0, '0', CONCURRENCY, fmt(now), live} end
  local m = tonumber(ARGV[rest + 1])
  local at = rest + 2
  -- Leases are only read (and expired ones reclaimed) when a request of the batch wants one.
  local inUse = nil
  local reply = {0, mismatch, 0, '', -1, fmt(now), live}
  local changed = {}
  local leasesAdded, longest = false, 0
  for r = 1, m do
    local force = ARGV[at] == '1'
    local wantsSlot = ARGV[at + 1] == '1'
    local leaseId = ARGV[at + 2]
    local maxWait = tonumber(ARGV[at + 3])
    local from = at + 4
    at = from + n
    local delay = 0
    if wantsSlot and inUse == nil then
      reply[3] = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now))
      inUse = redis.call('ZCARD', KEYS[2])
    end
    if not force then
      local p = pausedMs()
      if p > 0 then reply[4], reply[5] = fmt(p), PAUSE break end
      local worst, dim = worstWait(from)
      if worst > maxWait then reply[4], reply[5] = fmt(worst), dim break end
      if wantsSlot and maxConc >= 0 and inUse >= maxConc then
        local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
        reply[4], reply[5] = fmt(tonumber(first[2]) - now), CONCURRENCY
        break
      end
      delay = worst
      if delay > 0 then reply[5] = dim end
    end
    for i = 1, n do
      local cost = tonumber(ARGV[from + i - 1])
      local start = now + delay + leadFor(i, cost)
      local base = tats[i]
      if base < start then base = start end
      tats[i] = base + cost * interval[i]
      changed[i] = true
    end
    if wantsSlot then
      redis.call('ZADD', KEYS[2], fmt(now + delay + leaseTtl), leaseId)
      inUse = inUse + 1
      leasesAdded = true
      if delay > longest then longest = delay end
      reply[#reply + 1] = leaseId
    else
      reply[#reply + 1] = ''
    end
    reply[#reply + 1] = fmt(delay)
    reply[1] = reply[1] + 1
    if delay > 0 then break end
  end
  saveTats(changed)
  if leasesAdded then extend(KEYS[2], leaseTtl + longest) end
  return reply
elseif op == 'wait' then
  local worst, dim = worstWait(rest)
  local p = pausedMs()
  if p > worst then worst, dim = p, PAUSE end
  return {1, mismatch, fmt(worst), dim}
elseif op == 'settle' then
  -- Releases a lease ('' for none) and reconciles usage in one call.
  local released = 0
  if ARGV[rest] ~= '' then released = redis.call('ZREM', KEYS[2], ARGV[rest]) end
  local changed = {}
  for i = 1, n do
    local delta = tonumber(ARGV[rest + i])
    if delta ~= 0 then
      local base = tats[i]
      if base < now then base = now end
      local nt = base + delta * interval[i]
      if nt < now then nt = now end
      tats[i] = nt
      changed[i] = true
    end
  end
  saveTats(changed)
  return {released, mismatch}
elseif op == 'renew' then
  -- Extends every live lease named; returns how many were still held.
  local m = tonumber(ARGV[rest])
  local renewed = 0
  for r = 1, m do
    local id = ARGV[rest + r]
    local score = redis.call('ZSCORE', KEYS[2], id)
    if score and tonumber(score) > now then
      redis.call('ZADD', KEYS[2], 'XX', fmt(now + leaseTtl), id)
      renewed = renewed + 1
    elseif score then
      redis.call('ZREM', KEYS[2], id)
    end
  end
  if renewed > 0 then extend(KEYS[2], leaseTtl) end
  return {renewed, mismatch}
elseif op == 'hello' then
  -- Registers this process as live for ttl ms; returns how many processes are live.
  local ttl = tonumber(ARGV[rest + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', fmt(now))
  redis.call('ZADD', KEYS[4], fmt(now + ttl), ARGV[rest])
  extend(KEYS[4], ttl)
  return {1, mismatch, redis.call('ZCARD', KEYS[4])}
elseif op == 'pause' then
  local untilMs = now + tonumber(ARGV[rest])
  if pauseUntil > untilMs then untilMs = pauseUntil end
  pauseUntil = untilMs
  saveState({'p', fmt(untilMs)}, untilMs)
  return {1, mismatch, fmt(untilMs - now)}
elseif op == 'unpause' then
  -- Ends the pause at once (resetRateLimiter / resetCircuitBreaker).
  redis.call('HDEL', KEYS[1], 'p')
  return {1, mismatch}
elseif op == 'level' then
  for i = 1, n do
    if idx[i] == ARGV[rest] then
      local capacity = tol[i] / interval[i]
      local units = tonumber(ARGV[rest + 1])
      if units > capacity then units = capacity end
      local nt = now + tol[i] - units * interval[i]
      if nt > tats[i] and nt > now then
        tats[i] = nt
        local changed = {}
        changed[i] = true
        saveTats(changed)
        return {1, mismatch, fmt(levelOf(i))}
      end
      return {0, mismatch, fmt(levelOf(i))}
    end
  end
  return {0, mismatch, '0'}
elseif op == 'state' then
  local reply = {1, mismatch, fmt(pausedMs()), redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now), '+inf'), ''}
  local first = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. fmt(now), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if first[2] then reply[5] = fmt(tonumber(first[2]) - now) end
  for i = 1, n do reply[5 + i] = fmt(levelOf(i)) end
  return reply
end
return redis.error_reply('llm-resilience: unknown op ' .. tostring(op))
`;

/** The operations of {@link ADMISSION_SCRIPT}. */
export type ScriptOp = 'admit' | 'wait' | 'settle' | 'renew' | 'hello' | 'pause' | 'unpause' | 'level' | 'state';
