/**
 * The one Lua script behind the Redis limiter store. Every operation (admit, reconcile, leases,
 * pause, provider levels, state) runs atomically inside Redis, reads the time from Redis `TIME`
 * (never a client's clock), and touches only the four keys of one limiter, which share one hash
 * tag (see `keys.ts`), so it runs unchanged on Redis Cluster.
 *
 * KEYS: [1] state hash (dimension index -> TAT, 'p' -> pause-until, 'x' -> the hash's expiry; ms
 * as decimal strings; 'c<index>' -> units the fleet's admissions ever charged, 'f<index>' -> when
 * the provider's figures last set the level, 'r<slot>t' / 'r<slot>:<index>' -> the transit ring,
 * below), [2] leases sorted set (lease id -> expiry ms), [3] configuration fingerprint (string),
 * [4] live processes sorted set (process id -> expiry ms).
 *
 * The transit ring: what the fleet had charged at moments of the last few provider delays (one
 * snapshot per slot of G = max(5, lead / 8) ms, 32 slots, with lead the configured provider delay),
 * so that a provider's figure, which lacks
 * what the fleet admitted within the provider delay, is read against every process's admissions,
 * not only the caller's. The ring holds the charges of requests *started* by then (a reservation
 * starts after its delay: charged before a figure's moment, it may reach the provider long after;
 * 'q' lists the reservations not started yet, at most one per process). Each admission overwrites
 * its slot's snapshot with the started charges right after it: the latest snapshot at or before a
 * moment T is a lower bound of what had started by T. What may be missing from a figure is then
 * everything charged ('c') less what had started provider-delay before its moment.
 *
 * ARGV, common header (see `script-args.ts`):
 *   [1] op, [2] fingerprint ('' = do not check), [3] providerDelayMs (the configured lead), [4] maxConcurrent
 *   (-1 = no cap), [5] lease TTL ms, [6] n = configured dimensions, then n triples
 *   (index, intervalMs, toleranceMs); op arguments start at ARGV[7 + 3n]:
 *   - admit:   deadline (Redis ms; '' = none: past it, nothing is admitted), base lead ('' = none;
 *              ms: also answer what the fleet had started that long before), live ('1': also count
 *              the live processes, '0': not this time), m, then m requests of
 *              (mode (0 normal, 1 force), wantsSlot (0/1), leaseId, maxWaitMs, n costs)
 *   - wait:    n costs (a dry run: how long until they fit, ignoring concurrency)
 *   - settle:  leaseId ('' = none), admittedAt (Redis ms; '' = unknown), n deltas (positive debits,
 *              negative refunds; never above a full bucket; a refund of a request admitted before
 *              the provider's figures last set the level is dropped, output tokens (index 3) aside)
 *   - follow:  pauseMs ('' = none), lead (the caller's provider delay, ms), k, then k figures of
 *              (index, remaining, exact (0: only lowers, as given; 1: less what the fleet admitted
 *              within the lead, and raises too),
 *              refill per ms ('' = unknown), refill cap, base ('' = unknown: the fleet's charges
 *              provider-delay before the request's admission, as the caller last saw them),
 *              admittedAt (Redis ms; '' = unknown), own cost) - see the op
 *   - renew:   m, m lease ids     - hello: process id, ttl ms
 *   - pause:   ms
 *   - unpause: (none)
 *   - state:   (none)
 *
 * Every reply is an array { status, mismatch, ... } where mismatch = 1 when the fingerprint
 * stored by the last caller differs from this caller's. Fractional numbers are returned as
 * strings (Redis truncates Lua numbers to integers). Admit's reply, the one every request waits
 * for, is the same list joined by commas into one string (every value a decimal number or empty). Per op:
 *   - admit:   {admitted count k, m, reclaimed, waitMs of the refused request ('' when none was), dimension that
 *              refused or delayed a request (-1: none), Redis TIME as it answered it (seconds, then
 *              microseconds: the script's ms are seconds x 1000 + microseconds / 1000), live
 *              processes ('' when not asked),
 *              then per admitted request its delay ms (start no earlier; its lease, when it asked
 *              for a slot, is the id it sent),
 *              then the fleet's started charges after the batch, per dimension in header order,
 *              then with a base lead what had started that long before ('' when unknown)}
 *   - wait:    {1, m, waitMs, dimension (-1 when it fits now)}
 *   - settle:  {1 or 0 (lease released or not), m}
 *   - renew:   {renewed count, m}   - hello: {1, m, live processes}
 *   - pause:   {1, m, pauseRemainingMs}
 *   - follow:  {levels changed, m, pauseRemainingMs, level after per figure}
 *   - state:   {1, m, pauseRemainingMs, inFlight, nextLeaseExpiryMs ('' when none), level per dimension...}
 * Refusal dimensions are the dimension's index, 100 (concurrency) or 101 (pause), as in limiter-store.ts.
 */
export const ADMISSION_SCRIPT = `
-- Redis 3.2-4 need effects replication to write after TIME; a no-op from Redis 5 on.
if redis.replicate_commands then redis.replicate_commands() end
local op = ARGV[1]
local lead = tonumber(ARGV[3])
local n = tonumber(ARGV[6])
local MARGIN = 1000
local CONCURRENCY, PAUSE = 100, 101
local SLOTS = 32

local idx, interval, tol = {}, {}, {}
for i = 1, n do
  local b = 4 + 3 * i
  idx[i] = ARGV[b]
  interval[i] = tonumber(ARGV[b + 1])
  tol[i] = tonumber(ARGV[b + 2])
end
local rest = 7 + n * 3

local mismatch = 0
local fp = ARGV[2]
if fp ~= '' then
  local maxTol = 0
  for i = 1, n do if tol[i] > maxTol then maxTol = tol[i] end end
  local old = redis.call('GET', KEYS[3])
  if old and old ~= fp then mismatch = 1 end
  redis.call('SET', KEYS[3], fp, 'PX', math.ceil(maxTol + tonumber(ARGV[5])) + MARGIN)
end

-- The cheap ends first: each op reads the clock and the state hash only when it needs them
-- (every redis.call costs a few microseconds of a single-threaded server).
if op == 'unpause' then
  -- Ends the pause at once (resetRateLimiter / resetCircuitBreaker).
  redis.call('HDEL', KEYS[1], 'p')
  return {1, mismatch}
end
local released = 0
if op == 'settle' then
  -- Releases a lease ('' for none); without a debit or refund that is all (the usual release).
  if ARGV[rest] ~= '' then released = redis.call('ZREM', KEYS[2], ARGV[rest]) end
  local any = false
  for i = 1, n do
    if tonumber(ARGV[rest + 1 + i]) ~= 0 then any = true end
  end
  if not any then return {released, mismatch} end
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000

local function fmt(x) return string.format('%.17g', x) end

-- A number of admit's reply (text joined by table.concat, which writes numbers as %.14g): a whole
-- one below 1e14 as it is, anything else as %.17g. Numbers passed to redis.call need neither:
-- Redis writes them as %.17g.
local function num(x)
  if x == math.floor(x) and x < 1e14 and x > -1e14 then return x end
  return fmt(x)
end

-- Sets a TTL of ms (+ margin) on key, never shortening a longer one (another process may need it).
local function extend(key, ms)
  local want = math.ceil(ms) + MARGIN
  local cur = redis.call('PTTL', key)
  if cur == -1 or (cur >= 0 and cur < want) then redis.call('PEXPIRE', key, want) end
end

-- The transit ring's slot (see the header) holding the latest snapshot at or before moment T; nil
-- when the ring does not reach back that far.
local function ringSlotAt(T)
  local times = {}
  for s = 0, SLOTS - 1 do times[s + 1] = 'r' .. s .. 't' end
  local got = redis.call('HMGET', KEYS[1], unpack(times))
  local best, bestTime = nil, -math.huge
  for s = 0, SLOTS - 1 do
    local ts = got[s + 1] and tonumber(got[s + 1])
    if ts and ts <= T and ts > bestTime then best, bestTime = s, ts end
  end
  return best
end

local tats = {}
local pauseUntil, expiresAt = -math.huge, -math.huge

-- The worst wait over the rate dimensions for costs (one per dimension; the TATs read), relative
-- to now (absolute ms lose precision in a double); under 1 us (TIME's resolution) is no wait. The
-- lead charged from a full bucket is at most what the bucket holds beyond the request (a
-- one-request bucket would otherwise never admit anything; see gcra.ts).
local function worstWait(costs)
  local worst, dim = 0, -1
  for i = 1, n do
    local cost = costs[i]
    local room = tol[i] - cost * interval[i]
    local ahead
    if lead < room then ahead = lead elseif room > 0 then ahead = room else ahead = 0 end
    if tats[i] > now + ahead then ahead = tats[i] - now end
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
  -- Written out with one helper function only (worstWait): it is the call every request makes.
  -- Processes live on this limiter now, when the caller asks (it keeps the last answer between):
  -- every process derives its share while Redis is down the same way.
  local live = ''
  if ARGV[rest + 2] == '1' then live = redis.call('ZCOUNT', KEYS[4], '(' .. fmt(now), '+inf') end
  -- Past its deadline (Redis time) the caller has given up on this call (a Redis that froze and
  -- resumed runs it late): admitting would charge for requests that will never be sent.
  local deadline = ARGV[rest]
  if deadline ~= '' and now > tonumber(deadline) then return table.concat({0, mismatch, 0, '0', CONCURRENCY, t[1], t[2], live}, ',') end
  local maxConc = tonumber(ARGV[4])
  local leaseTtl = tonumber(ARGV[5])
  -- One read of the state hash: every TAT, the pause-until ('p'), the hash's own expiry ('x'), the
  -- fleet's charges ('c') and the reservations not started yet ('q').
  local fields = {}
  for i = 1, n do
    fields[i] = idx[i]
    fields[n + 2 + i] = 'c' .. idx[i]
  end
  fields[n + 1] = 'p'
  fields[n + 2] = 'x'
  fields[2 * n + 3] = 'q'
  local raw = redis.call('HMGET', KEYS[1], unpack(fields, 1, 2 * n + 3))
  local charged, pending = {}, {}
  for i = 1, n do
    tats[i] = (raw[i] and tonumber(raw[i])) or -math.huge
    charged[i] = (raw[n + 2 + i] and tonumber(raw[n + 2 + i])) or 0
    pending[i] = 0
  end
  pauseUntil = (raw[n + 1] and tonumber(raw[n + 1])) or -math.huge
  expiresAt = (raw[n + 2] and tonumber(raw[n + 2])) or -math.huge
  -- Reservations not started yet: 'start,cost1,...,costn;...' (costs in header order). Those
  -- started by now are dropped; pending[i] is what the rest charged.
  local reservations = {}
  local reservationsChanged = false
  local q = raw[2 * n + 3]
  if q and q ~= '' then
    for entry in string.gmatch(q, '[^;]+') do
      local values = {}
      for v in string.gmatch(entry, '[^,]+') do values[#values + 1] = tonumber(v) end
      if values[1] > now then
        reservations[#reservations + 1] = entry
        for i = 1, n do pending[i] = pending[i] + (values[i + 1] or 0) end
      else
        reservationsChanged = true
      end
    end
  end
  -- Where the fleet stood provider-delay before this batch, for the caller to read figures against.
  local base = nil
  if ARGV[rest + 1] ~= '' then
    base = {}
    local best = ringSlotAt(now - tonumber(ARGV[rest + 1]))
    if best ~= nil then
      local names = {}
      for i = 1, n do names[i] = 'r' .. best .. ':' .. idx[i] end
      base = redis.call('HMGET', KEYS[1], unpack(names))
    end
  end
  local m = tonumber(ARGV[rest + 3])
  local at = rest + 4
  -- Leases are only read (and expired ones reclaimed) when a request of the batch wants one.
  local inUse = nil
  local reply = {0, mismatch, 0, '', -1, t[1], t[2], live}
  local costs = {}
  local leasesAdded, longest = false, 0
  for r = 1, m do
    local force = ARGV[at] == '1'
    local wantsSlot = ARGV[at + 1] == '1'
    local leaseId = ARGV[at + 2]
    local maxWait = tonumber(ARGV[at + 3])
    for i = 1, n do costs[i] = tonumber(ARGV[at + 3 + i]) end
    at = at + 4 + n
    local delay = 0
    if wantsSlot and inUse == nil then
      reply[3] = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
      inUse = redis.call('ZCARD', KEYS[2])
    end
    if not force then
      if pauseUntil > now then reply[4], reply[5] = fmt(pauseUntil - now), PAUSE break end
      local worst, dim = worstWait(costs)
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
      local cost = costs[i]
      local room = tol[i] - cost * interval[i]
      local l
      if lead < room then l = lead elseif room > 0 then l = room else l = 0 end
      local start = now + delay + l
      local b = tats[i]
      if b < start then b = start end
      tats[i] = b + cost * interval[i]
      charged[i] = charged[i] + cost
    end
    if wantsSlot then
      redis.call('ZADD', KEYS[2], now + delay + leaseTtl, leaseId)
      inUse = inUse + 1
      leasesAdded = true
      if delay > longest then longest = delay end
    end
    reply[#reply + 1] = num(delay)
    reply[1] = reply[1] + 1
    if delay > 0 then
      local entry = {fmt(now + delay)}
      for i = 1, n do
        entry[i + 1] = fmt(costs[i])
        pending[i] = pending[i] + costs[i]
      end
      reservations[#reservations + 1] = table.concat(entry, ',')
      reservationsChanged = true
      break
    end
  end
  -- One write: the TATs and the fleet's charges, this moment's snapshot of what had started in
  -- the transit ring, the reservations when they changed, and the hash's expiry when it must move.
  local w, k = {}, 0
  if reply[1] > 0 then
    for i = 1, n do
      w[k + 1], w[k + 2], w[k + 3], w[k + 4] = idx[i], tats[i], fields[n + 2 + i], charged[i]
      k = k + 4
    end
    if expiresAt == -math.huge then
      -- A new hash: the fields every admission reads come first, the pause and the reservations
      -- too (empty: none), so that a small hash (a listpack, scanned in order) finds them at once
      -- and never scans to its end for a missing one.
      w[k + 1], w[k + 2], w[k + 3], w[k + 4] = 'p', '', 'q', ''
      k = k + 4
    end
    local G = lead / 8
    if G < 5 then G = 5 end
    local ring = 'r' .. (math.floor(now / G) % SLOTS)
    w[k + 1], w[k + 2] = ring .. 't', now
    k = k + 2
    for i = 1, n do
      w[k + 1], w[k + 2] = ring .. ':' .. idx[i], charged[i] - pending[i]
      k = k + 2
    end
  end
  if reservationsChanged then
    w[k + 1], w[k + 2] = 'q', table.concat(reservations, ';')
    k = k + 2
  end
  if k > 0 then
    -- The hash lives until its furthest TAT and pause (+ margin); its expiry is kept in the hash
    -- ('x') with a minute of slack, so PEXPIREAT is rarely needed.
    local furthest = now
    if pauseUntil > furthest then furthest = pauseUntil end
    for i = 1, n do if tats[i] > furthest then furthest = tats[i] end end
    local want = math.ceil(furthest) + MARGIN
    local moved = want > expiresAt
    if moved then
      expiresAt = want + 60000
      w[k + 1], w[k + 2] = 'x', expiresAt
      k = k + 2
    end
    redis.call('HSET', KEYS[1], unpack(w, 1, k))
    if moved then redis.call('PEXPIREAT', KEYS[1], expiresAt) end
  end
  if leasesAdded then extend(KEYS[2], leaseTtl + longest) end
  for i = 1, n do reply[#reply + 1] = num(charged[i] - pending[i]) end
  if base then
    for i = 1, n do reply[#reply + 1] = base[i] or '' end
  end
  -- One string, not an array: a client decodes one bulk string much faster than a dozen.
  return table.concat(reply, ',')
end

-- The other operations.

-- Reads every TAT, the pause-until ('p') and the hash's expiry ('x'), then the fields named in
-- extra (answered from raw[n + 3] on).
local function readState(extra)
  local fields = {}
  for i = 1, n do fields[i] = idx[i] end
  fields[n + 1] = 'p'
  fields[n + 2] = 'x'
  for j = 1, #extra do fields[n + 2 + j] = extra[j] end
  local raw = redis.call('HMGET', KEYS[1], unpack(fields))
  for i = 1, n do tats[i] = (raw[i] and tonumber(raw[i])) or -math.huge end
  pauseUntil = (raw[n + 1] and tonumber(raw[n + 1])) or -math.huge
  expiresAt = (raw[n + 2] and tonumber(raw[n + 2])) or -math.huge
  return raw
end

-- Writes fields (a flat name/value list) and keeps the hash alive until \`untilMs\` (+ margin). The
-- expiry is kept in the hash ('x') with a minute of slack, so PEXPIREAT is rarely needed.
local function saveState(fieldValues, untilMs)
  local want = math.ceil(untilMs) + MARGIN
  local moved = want > expiresAt
  if moved then
    expiresAt = want + 60000
    fieldValues[#fieldValues + 1] = 'x'
    fieldValues[#fieldValues + 1] = expiresAt
  end
  if #fieldValues == 0 then return end
  redis.call('HSET', KEYS[1], unpack(fieldValues))
  if moved then redis.call('PEXPIREAT', KEYS[1], expiresAt) end
end

-- Writes the TATs of the dimensions in changed (and the extra name/value pairs in values); the
-- hash lives until its furthest TAT and pause.
local function saveTats(changed, values)
  local furthest = now
  if pauseUntil > furthest then furthest = pauseUntil end
  for i = 1, n do
    if changed[i] then
      values[#values + 1] = idx[i]
      values[#values + 1] = tats[i]
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
  local b = tats[i]
  if b < now then b = now end
  return (tol[i] - (b - now)) / interval[i]
end

if op == 'wait' then
  -- A dry run: the worst wait over the rate dimensions for the costs, or the pause if longer.
  readState({})
  local costs = {}
  for i = 1, n do costs[i] = tonumber(ARGV[rest + i - 1]) end
  local worst, dim = worstWait(costs)
  local p = pausedMs()
  if p > worst then worst, dim = p, PAUSE end
  return {1, mismatch, fmt(worst), dim}
elseif op == 'settle' then
  -- Reconciles usage (the lease, if any, was released above). The provider's figures set the
  -- level after this request's admission: they hold what it was really charged, and a refund
  -- would count the difference twice (output tokens aside: their refund is the provider's own, at
  -- the end of the call). The last sync ('f') is read only when a delta refunds.
  local refund = false
  for i = 1, n do
    if tonumber(ARGV[rest + 1 + i]) < 0 then refund = true end
  end
  local synced = {}
  if refund then
    local names = {}
    for i = 1, n do names[i] = 'f' .. idx[i] end
    local raw = readState(names)
    for i = 1, n do synced[i] = (raw[n + 2 + i] and tonumber(raw[n + 2 + i])) or -math.huge end
  else
    readState({})
  end
  local admittedAt = ARGV[rest + 1] ~= '' and tonumber(ARGV[rest + 1])
  local changed = {}
  for i = 1, n do
    local delta = tonumber(ARGV[rest + 1 + i])
    if delta < 0 and admittedAt and idx[i] ~= '3' and synced[i] >= admittedAt then delta = 0 end
    if delta ~= 0 then
      local b = tats[i]
      if b < now then b = now end
      local nt = b + delta * interval[i]
      if nt < now then nt = now end
      tats[i] = nt
      changed[i] = true
    end
  end
  saveTats(changed, {})
  return {released, mismatch}
elseif op == 'renew' then
  -- Extends every live lease named; returns how many were still held.
  local leaseTtl = tonumber(ARGV[5])
  local m = tonumber(ARGV[rest])
  local renewed = 0
  for r = 1, m do
    local id = ARGV[rest + r]
    local score = redis.call('ZSCORE', KEYS[2], id)
    if score and tonumber(score) > now then
      redis.call('ZADD', KEYS[2], 'XX', now + leaseTtl, id)
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
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  redis.call('ZADD', KEYS[4], now + ttl, ARGV[rest])
  extend(KEYS[4], ttl)
  return {1, mismatch, redis.call('ZCARD', KEYS[4])}
elseif op == 'pause' then
  readState({})
  local untilMs = now + tonumber(ARGV[rest])
  if pauseUntil > untilMs then untilMs = pauseUntil end
  pauseUntil = untilMs
  saveState({'p', untilMs}, untilMs)
  return {1, mismatch, fmt(untilMs - now)}
elseif op == 'follow' then
  -- A response's rate-limit figures (and retry-after) for the whole fleet, in one call. A figure
  -- lacks what the fleet started within the provider delay and every reservation not started yet
  -- (the ring and 'c' say how much, every process's admissions included). Read two ways, as provider-state.ts does in one process: taken
  -- as the response left, it lacks all of that; taken when the provider admitted the request, it
  -- lacks everything admitted since the provider delay before the request, less the request
  -- itself, but the refill since is owed too.
  local names = {}
  for i = 1, n do names[i] = 'c' .. idx[i] end
  local raw = readState(names)
  local charged = {}
  for i = 1, n do charged[i] = (raw[n + 2 + i] and tonumber(raw[n + 2 + i])) or 0 end
  -- What the fleet had started on dimension i by moment T, at most; nil when not known.
  local function chargedAt(i, T)
    local best = ringSlotAt(T)
    if best == nil then return nil end
    local v = redis.call('HGET', KEYS[1], 'r' .. best .. ':' .. idx[i])
    return v and tonumber(v)
  end
  -- Sets dimension i's level to units (capped by its bucket); false when it is there already.
  local function setLevel(i, units)
    local capacity = tol[i] / interval[i]
    if units > capacity then units = capacity end
    local nt = now + tol[i] - units * interval[i]
    if nt == tats[i] or (nt <= now and tats[i] <= now) then return false end
    tats[i] = nt
    return true
  end
  local p = ARGV[rest]
  if p ~= '' then
    local untilMs = now + tonumber(p)
    if untilMs > pauseUntil then
      pauseUntil = untilMs
      saveState({'p', untilMs}, untilMs)
    end
  end
  -- The caller's lead (learned per process): what its figures lack was admitted within it.
  local readLead = tonumber(ARGV[rest + 1])
  local k = tonumber(ARGV[rest + 2])
  local reply = {0, mismatch, fmt(pausedMs())}
  local changed, values = {}, {}
  -- The two readings of the figure at ARGV[b..] for dimension i against lead L: high, and low
  -- (nil unless it can be read as at the request's admission too, which needs the ring to reach
  -- back L: a learned lead longer than that raises nothing).
  local function readingsAt(i, remaining, b, L)
    -- Without a lead to read a figure against, it only lowers (nothing says what is travelling).
    if ARGV[b + 2] ~= '1' or not (L > 0) then return remaining, nil end
    local high, low = remaining, nil
    local fresh = chargedAt(i, now - L)
    local admittedAt = ARGV[b + 6] ~= '' and tonumber(ARGV[b + 6])
    -- The figure holds its own request (it was served): started within the delay, it is not travelling.
    local own = 0
    if admittedAt and admittedAt > now - L then own = tonumber(ARGV[b + 7]) end
    local travelling = fresh and (charged[i] - fresh - own) or 0
    if travelling < 0 then travelling = 0 end
    high = remaining - travelling
    if fresh and admittedAt then
      local ago = now - admittedAt
      local base = ARGV[b + 5] ~= '' and tonumber(ARGV[b + 5]) or -math.huge
      local ringBase = chargedAt(i, admittedAt - L)
      if ringBase and ringBase > base then base = ringBase end
      if base > -math.huge and base <= charged[i] then
        local since = charged[i] - base - tonumber(ARGV[b + 7])
        if since < 0 then since = 0 end
        local atAdmission = remaining
        local rate = ARGV[b + 3] ~= '' and tonumber(ARGV[b + 3])
        if rate and ago > L then
          atAdmission = remaining + rate * (ago - L)
          local cap = tonumber(ARGV[b + 4])
          if atAdmission > cap then atAdmission = cap end
        end
        atAdmission = atAdmission - since
        low = high
        if atAdmission > high then high = atAdmission else low = atAdmission end
      end
    end
    return high, low
  end
  for e = 1, k do
    local b = rest + 3 + (e - 1) * 8
    local i = nil
    for j = 1, n do if idx[j] == ARGV[b] then i = j end end
    local remaining = tonumber(ARGV[b + 1])
    if i == nil then
      reply[#reply + 1] = '0'
    else
      local level = levelOf(i)
      -- Lowered as the configured lead says, raised only as far as the caller's (learned) lead
      -- allows: see provider-state.ts.
      local high, low = readingsAt(i, remaining, b, lead)
      local readBothWays = low ~= nil
      if readLead ~= lead then
        local _
        _, low = readingsAt(i, remaining, b, readLead)
      end
      local target = nil
      -- Above both readings: down to the higher one, below both: up to the lower one. (One process
      -- falls to the lower reading, provider-state.ts; across a fleet the lower reading of a long
      -- call counts every process's admissions during it, and falling to it cost 8 points of
      -- goodput in the accuracy benchmark's fleet for no 429 avoided.)
      if level > high + 1 then target = high elseif low and level < low - 1 then target = low end
      if target and setLevel(i, target) then
        changed[i] = true
        reply[1] = reply[1] + 1
      end
      -- Read both ways (against the configured lead), the figure holds what the provider really
      -- charged every request admitted before it (whether or not the level moved): their refunds
      -- would count it twice (a provider charging max-of refunds nothing).
      if target or readBothWays then
        values[#values + 1] = 'f' .. idx[i]
        values[#values + 1] = now
      end
      reply[#reply + 1] = fmt(levelOf(i))
    end
  end
  saveTats(changed, values)
  return reply
elseif op == 'state' then
  readState({})
  local reply = {1, mismatch, fmt(pausedMs()), redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now), '+inf'), ''}
  local first = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. fmt(now), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if first[2] then reply[5] = fmt(tonumber(first[2]) - now) end
  for i = 1, n do reply[5 + i] = fmt(levelOf(i)) end
  return reply
end
return redis.error_reply('llm-resilience: unknown op ' .. tostring(op))
`;

/** The operations of {@link ADMISSION_SCRIPT}. */
export type ScriptOp = 'admit' | 'wait' | 'settle' | 'renew' | 'hello' | 'pause' | 'unpause' | 'follow' | 'state';
