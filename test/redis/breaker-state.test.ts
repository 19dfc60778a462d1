/**
 * Shared circuit breaker state through the real Redis: several "processes" (each its own client,
 * state and breaker, on the real clock) on one prefix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { CircuitBreaker, type CircuitBreakerOptions, type SharedBreakerHealthEvent } from '../../src/breaker/index.js';
import { CircuitBreakerError, RateLimitExceededError, StoreError } from '../../src/core/errors.js';
import { breakerKeys } from '../../src/redis/breaker-keys.js';
import { RedisBreakerState, redisBreakerStates } from '../../src/redis/breaker-state.js';
import type { RedisScriptClient } from '../../src/redis/client.js';
import { failCalls } from '../breaker/helpers.js';
import { sharedStateConformance } from '../breaker/shared-state-conformance.js';
import { deleteKeys, newClient, redisUp, uniquePrefix } from './redis-harness.js';

const REFRESH_MS = 20;
const OPEN_MS = 600;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const clients: Redis[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  const [first] = clients;
  if (first && redisUp) for (const prefix of prefixes) await deleteKeys(first, prefix);
  for (const client of clients.splice(0)) client.disconnect();
  prefixes.length = 0;
});

function client(): Redis {
  const c = newClient();
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

function prefix(): string {
  const p = uniquePrefix();
  prefixes.push(p);
  return p;
}

/** `size` processes of one fleet: each its own Redis client, shared state and breaker. */
function openFleet(size: number, options: CircuitBreakerOptions = {}) {
  const p = prefix();
  const nodes = Array.from({ length: size }, (_, i) => {
    const state = new RedisBreakerState(client(), { service: 'openai', prefix: p, processId: `node-${i}`, timeoutMs: 2_000 });
    const breaker = new CircuitBreaker('openai', {
      failureThreshold: 3,
      successThreshold: 1,
      openMs: OPEN_MS,
      halfOpenMaxCalls: 2,
      sharedRefreshMs: REFRESH_MS,
      shared: state,
      ...options,
    });
    const events: string[] = [];
    breaker.onStateChange.on((event) => events.push(`${event.from}→${event.to} (${event.reason})`));
    return { breaker, state, events };
  });
  return { prefix: p, nodes, keys: breakerKeys(p, 'openai') };
}

/** Polls `condition` (touching every breaker, as traffic would) until it holds or `timeoutMs` passes. */
async function eventually(breakers: readonly CircuitBreaker[], condition: () => boolean, timeoutMs = 2_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const breaker of breakers) void breaker.state;
    if (condition()) return true;
    await sleep(5);
  }
  return condition();
}

sharedStateConformance(
  'Redis',
  () => {
    const c = client();
    const p = prefix();
    return { state: (processId) => new RedisBreakerState(c, { service: 'openai', prefix: p, processId, timeoutMs: 2_000 }), wait: sleep };
  },
  redisUp,
);

describe('breaker keys', () => {
  it('share one hash tag per service (Redis Cluster: one slot per script), under the application prefix', () => {
    const keys = breakerKeys('myapp', 'openai');
    expect(keys.all).toEqual(['myapp:{openai}:breaker:reports', 'myapp:{openai}:breaker:probes', 'myapp:{openai}:breaker:closed']);
    expect(() => breakerKeys('my{app}', 'openai')).toThrow(expect.objectContaining({ path: 'redis.prefix' }));
    expect(() => breakerKeys('myapp', '')).toThrow(expect.objectContaining({ path: 'redisBreakerState.service' }));
    expect(() => breakerKeys('myapp', 'a}b')).toThrow(expect.objectContaining({ path: 'redisBreakerState.service' }));
  });

  it('options are checked by name', () => {
    const dummy = {} as RedisScriptClient;
    expect(() => new RedisBreakerState(dummy, { service: 'openai', timeoutMs: 0 })).toThrow(expect.objectContaining({ path: 'redisBreakerState.timeoutMs' }));
    expect(() => new RedisBreakerState(dummy, { service: 'openai', processId: '' })).toThrow(expect.objectContaining({ path: 'redisBreakerState.processId' }));
    const states = redisBreakerStates(dummy, { prefix: 'myapp' });
    expect(states('anthropic')).toMatchObject({ service: 'anthropic', keys: { reports: 'myapp:{anthropic}:breaker:reports' } });
    expect(states('openai').processId).not.toBe(states('openai').processId);
  });
});

describe.skipIf(!redisUp)('shared breakers through Redis', () => {
  it("one node's failures alone do not open the others (Polly#287)", async () => {
    const { nodes } = openFleet(3);
    failCalls(nodes[0]!.breaker, 3);
    const others = nodes.slice(1).map((n) => n.breaker);
    expect(await eventually(others, () => others.every((b) => b.stats().shared!.openReports === 1))).toBe(true);
    await sleep(10 * REFRESH_MS);
    for (const breaker of others) {
      expect(breaker.state).toBe('closed');
      expect(breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
    }
  });

  it('a real outage (a quorum of reports) opens every node within a few refreshes', async () => {
    const { nodes } = openFleet(3);
    failCalls(nodes[0]!.breaker, 3);
    failCalls(nodes[1]!.breaker, 3);
    const started = performance.now();
    const third = nodes[2]!;
    expect(await eventually([third.breaker], () => third.breaker.state === 'open')).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(third.events).toEqual(['closed→open (remote)']);
    expect(third.breaker.rejectionError()).toBeInstanceOf(CircuitBreakerError);
  });

  it('when the fleet half-opens together, at most halfOpenMaxCalls probes run across it; a success closes them all', async () => {
    const { nodes, keys } = openFleet(4);
    const breakers = nodes.map((n) => n.breaker);
    failCalls(breakers[0]!, 3);
    failCalls(breakers[1]!, 3);
    expect(await eventually(breakers, () => breakers.every((b) => b.state === 'open'))).toBe(true);
    expect(await eventually(breakers, () => breakers.every((b) => b.state === 'half_open'), 3 * OPEN_MS)).toBe(true);
    const permits: number[][] = breakers.map(() => []);
    for (let round = 0; round < 40; round++) {
      breakers.forEach((breaker, i) => {
        const epoch = breaker.tryAcquirePermit();
        if (epoch >= 0) permits[i]!.push(epoch);
      });
      await sleep(5);
    }
    expect(permits.reduce((sum, p) => sum + p.length, 0)).toBe(2);
    const probeTtl = await clients[0]!.pttl(keys.probes);
    expect(probeTtl).toBeGreaterThan(0);
    const prober = permits.findIndex((p) => p.length > 0);
    breakers[prober]!.onSuccess(permits[prober]![0]!, 5);
    expect(breakers[prober]!.state).toBe('closed');
    expect(await eventually(breakers, () => breakers.every((b) => b.state === 'closed'))).toBe(true);
    nodes.forEach((node, i) => {
      if (i !== prober) expect(node.events.at(-1)).toBe('half_open→closed (remote)');
    });
    // The close cleared the reports and tokens (a token granted just after it is handed back at once).
    let left = -1;
    for (let i = 0; i < 100 && left !== 0; i++, await sleep(10)) left = await clients[0]!.exists(keys.reports, keys.probes);
    expect(left).toBe(0);
  });

  it('every key it writes has a TTL', async () => {
    const { nodes, keys, prefix: p } = openFleet(2);
    const [a, b] = nodes.map((n) => n.state);
    await a!.reportOpen(60_000);
    await b!.acquireProbe(2, 30_000);
    const redis = clients[0]!;
    const reportsTtl = await redis.pttl(keys.reports);
    const probesTtl = await redis.pttl(keys.probes);
    expect(reportsTtl).toBeGreaterThan(59_000);
    expect(reportsTtl).toBeLessThanOrEqual(61_000);
    expect(probesTtl).toBeGreaterThan(29_000);
    expect(probesTtl).toBeLessThanOrEqual(31_000);
    await b!.reportClosed(120_000);
    const closedTtl = await redis.pttl(keys.closed);
    expect(closedTtl).toBeGreaterThan(119_000);
    expect(closedTtl).toBeLessThanOrEqual(121_000);
    const all = await redis.keys(`${p}:*`);
    for (const key of all) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });
});

describe('Redis unreachable or silent: the breaker works locally and nothing hangs', () => {
  /** A client pointed at a closed loopback port. */
  function unreachable(): Redis {
    const c = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, connectTimeout: 200, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  }

  /** A client whose calls never answer (a hung connection, bottleneck#194). */
  const silent: RedisScriptClient = {
    evalsha: () => new Promise(() => undefined),
    eval: () => new Promise(() => undefined),
    script: () => new Promise(() => undefined),
  };

  for (const [name, make] of [
    ['a closed port', () => new RedisBreakerState(unreachable(), { service: 'openai', timeoutMs: 300 })],
    ['a connection that never answers', () => new RedisBreakerState(silent, { service: 'openai', timeoutMs: 50 })],
  ] as const) {
    it(`${name}: store calls reject with StoreError within their timeout`, async () => {
      const state = make();
      const started = performance.now();
      const error: unknown = await state.read().catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).not.toBeInstanceOf(RateLimitExceededError);
      expect(error).not.toBeInstanceOf(CircuitBreakerError);
      expect(error).toMatchObject({ kind: 'store' });
    });

    it(`${name}: permits are answered at once, the breaker opens and probes on local state, the failure is reported`, async () => {
      const breaker = new CircuitBreaker('openai', { failureThreshold: 3, openMs: 100, halfOpenMaxCalls: 2, sharedRefreshMs: REFRESH_MS, shared: make() });
      const health: SharedBreakerHealthEvent[] = [];
      breaker.onSharedHealth.on((event) => health.push(event));
      const started = performance.now();
      for (let i = 0; i < 1_000; i++) breaker.onSuccess(breaker.tryAcquirePermit(), 1);
      expect(performance.now() - started).toBeLessThan(200);
      expect(await eventually([breaker], () => breaker.stats().shared!.healthy === false)).toBe(true);
      expect(health[0]!.error).toBeInstanceOf(StoreError);
      failCalls(breaker, 3);
      expect(breaker.state).toBe('open');
      await sleep(150);
      // Half-open: with the store down, the local probe limit alone applies.
      const permits = [breaker.tryAcquirePermit(), breaker.tryAcquirePermit(), breaker.tryAcquirePermit()];
      expect(permits.filter((p) => p >= 0)).toHaveLength(2);
      for (const epoch of permits.filter((p) => p >= 0)) breaker.onSuccess(epoch, 1);
      expect(breaker.state).toBe('closed');
      expect(breaker.stats().shared!.lastError).toMatch(/^Shared store/);
    });
  }
});
