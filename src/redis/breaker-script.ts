/**
 * The Lua script behind the shared circuit breaker state. Each operation runs atomically inside
 * Redis, reads the time from Redis `TIME` (never a process's clock), touches only the three keys of
 * one service (one hash tag, see `breaker-keys.ts`, so it runs unchanged on Redis Cluster), and
 * leaves a TTL on every key it writes that covers what the key holds.
 *
 * KEYS: [1] reports sorted set (process id -> open until, ms), [2] probes sorted set (token ->
 * expiry, ms), [3] closed (Redis time of the last close, ms, string).
 *
 * ARGV: [1] op, [2] the caller's process id, then per op:
 *   - read:    (none)
 *   - open:    openMs                      the caller's report: open until now + openMs
 *   - closed:  rememberMs                  clears reports and probes, remembers the close
 *   - acquire: maxInFlight, ttlMs, token   takes a probe token if fewer than maxInFlight are live
 *   - release: token
 *
 * Every reply is the fleet view after the operation:
 *   {now, openReports, closedAt ('0' when none), probesInFlight, granted (0/1, acquire only),
 *    remaining ms of the other processes' live reports, longest first, at most LISTED}
 * where openReports and the list leave out the caller's own report. Fractional numbers are
 * returned as strings (Redis truncates Lua numbers to integers).
 */
import { MAX_SHARED_QUORUM } from '../breaker/shared-breaker-state.js';

export const BREAKER_SCRIPT = `
-- Redis 3.2-4 need effects replication to write after TIME; a no-op from Redis 5 on.
if redis.replicate_commands then redis.replicate_commands() end
local op = ARGV[1]
local me = ARGV[2]
local MARGIN = 1000
local LISTED = ${MAX_SHARED_QUORUM}

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000

local function fmt(x) return string.format('%.17g', x) end

-- A sorted set of expiry times lives as long as its last member (+ margin).
local function expireWithLast(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', key, math.max(0, math.ceil(tonumber(last[2]) - now)) + MARGIN) end
end

local granted = 0
if op == 'open' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now))
  redis.call('ZADD', KEYS[1], fmt(now + tonumber(ARGV[3])), me)
  expireWithLast(KEYS[1])
elseif op == 'closed' then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('SET', KEYS[3], fmt(now), 'PX', math.ceil(tonumber(ARGV[3])) + MARGIN)
elseif op == 'acquire' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now))
  if redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[2], fmt(now + tonumber(ARGV[4])), ARGV[5])
    expireWithLast(KEYS[2])
    granted = 1
  end
elseif op == 'release' then
  redis.call('ZREM', KEYS[2], ARGV[3])
elseif op ~= 'read' then
  return redis.error_reply('llm-resilience: unknown breaker op ' .. tostring(op))
end

local live = '(' .. fmt(now)
local others = redis.call('ZCOUNT', KEYS[1], live, '+inf')
local mine = redis.call('ZSCORE', KEYS[1], me)
if mine and tonumber(mine) > now then others = others - 1 end
local reply = {fmt(now), others, redis.call('GET', KEYS[3]) or '0', redis.call('ZCOUNT', KEYS[2], live, '+inf'), granted}
local listed = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', live, 'WITHSCORES', 'LIMIT', 0, LISTED + 1)
for i = 1, #listed, 2 do
  if listed[i] ~= me and #reply < 5 + LISTED then reply[#reply + 1] = fmt(tonumber(listed[i + 1]) - now) end
end
return reply
`;

/** The operations of {@link BREAKER_SCRIPT}. */
export type BreakerScriptOp = 'read' | 'open' | 'closed' | 'acquire' | 'release';
