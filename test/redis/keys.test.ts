import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { limiterKeys } from '../../src/redis/index.js';
import { backendsCleanedAfterEach, costs, redisUp } from './redis-harness.js';

const open = backendsCleanedAfterEach();

/** The hash tag Redis Cluster hashes: the text between the first { and the next }. */
function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : null;
}

describe('limiter keys', () => {
  it('share one hash tag, the limiter key (bottleneck#180 CROSSSLOT)', () => {
    const keys = limiterKeys('llmr', 'openai:gpt-4o');
    expect(keys.all).toHaveLength(4);
    for (const key of keys.all) expect(hashTag(key)).toBe('openai:gpt-4o');
  });

  it('refuse braces, which would move the hash tag', () => {
    expect(() => limiterKeys('a{b', 'k')).toThrow(ConfigError);
    expect(() => limiterKeys('a', 'k}')).toThrow(ConfigError);
    expect(() => limiterKeys('a', '')).toThrow(ConfigError);
  });
});

describe.skipIf(!redisUp)('Redis keys', () => {
  it('every key written carries the hash tag and a TTL covering its state', async () => {
    const { backend, client, prefix } = open({ requestsPerMinute: 60, tokensPerDay: 1_000_000, maxConcurrent: 2, leaseTimeoutMs: 30_000 });
    expect((await backend.admitOne(costs({ tokensPerDay: 500_000 }), true, false)).admitted).toBe(true);
    await backend.pause(5000);
    await backend.hello('process-1', 20_000);
    const written = (await client.keys(`${prefix}:*`)).sort();
    expect(written).toEqual([...backend.keys.all].sort());
    for (const key of written) {
      expect(hashTag(key)).toBe('svc');
      expect(await client.pttl(key)).toBeGreaterThan(0);
    }
    // The TAT hash lives until the slowest bucket is full again: half a day of tokens per day.
    expect(await client.pttl(backend.keys.tat)).toBeGreaterThan(43_000_000);
    expect(await client.pttl(backend.keys.tat)).toBeLessThan(43_300_000);
    expect(await client.pttl(backend.keys.leases)).toBeGreaterThan(29_000);
    expect(await client.pttl(backend.keys.leases)).toBeLessThanOrEqual(31_000);
    expect(await client.pttl(backend.keys.processes)).toBeLessThanOrEqual(21_000);
  });

  it('keys expire once the state they hold is spent: an expired limiter is a full one', async () => {
    const { backend, client } = open({ requestsPerMinute: 60_000, maxConcurrent: 1, leaseTimeoutMs: 50 }); // 1 ms per request
    expect((await backend.admitOne(costs(), true, false)).admitted).toBe(true);
    // Spent within 1 ms: the hash lives the margin (1 s) plus a minute of slack (most admissions then need no PEXPIREAT).
    expect(await client.pttl(backend.keys.tat)).toBeLessThanOrEqual(61_002);
    expect(await client.pttl(backend.keys.leases)).toBeLessThanOrEqual(1050);
  });

  it('a process with different limits is reported (bottleneck: each process keeps its own configuration)', async () => {
    const seen: string[] = [];
    const a = open({ requestsPerMinute: 60 }, { onConfigMismatch: (ours) => seen.push(ours), configCheckMs: 0 });
    const b = a.peer({ requestsPerMinute: 120 });
    const same = a.peer({ requestsPerMinute: 60 });
    await a.backend.admitOne(costs(), false, false);
    expect(a.backend.configMismatch).toBe(false);
    await same.admitOne(costs(), false, false);
    expect(same.configMismatch).toBe(false);
    await b.admitOne(costs(), false, false);
    expect(b.configMismatch).toBe(true);
    await a.backend.state();
    expect(a.backend.configMismatch).toBe(true);
    expect(seen).toEqual(['requestsPerMinute=60/60,maxConcurrent=-1']);
  });
});
