import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitExceededError } from '../../src/core/errors.js';
import { FAILURE_POLICIES } from '../../src/core/failure-kinds.js';
import { type RedisScriptClient, RedisLimiterBackend, ScriptRunner, StoreError } from '../../src/redis/index.js';
import { costs, openBackend, redisUp, specOf } from './redis-harness.js';

type Opened = ReturnType<typeof openBackend>;
const opened: Opened[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.cleanup()));
});

/** A client whose calls never answer (a hung connection, bottleneck#194). */
const silentClient: RedisScriptClient = {
  evalsha: () => new Promise(() => undefined),
  eval: () => new Promise(() => undefined),
  script: () => new Promise(() => undefined),
};

describe('ScriptRunner without Redis', () => {
  it('a call that never answers rejects with StoreError after its timeout, never a rate-limit error (firecrawl#3728, bottleneck#194)', async () => {
    const backend = new RedisLimiterBackend(silentClient, 'p', 'k', specOf({ requestsPerMinute: 10 }), { timeoutMs: 30 });
    const started = performance.now();
    const error: unknown = await backend.admitOne(costs(), false, false).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).not.toBeInstanceOf(RateLimitExceededError);
    expect(error).toMatchObject({ kind: 'store', reason: 'timeout', operation: 'admit' });
    expect(FAILURE_POLICIES.store).toBeDefined();
  });

  it('every operation has the timeout', async () => {
    const backend = new RedisLimiterBackend(silentClient, 'p', 'k', specOf({ requestsPerMinute: 10, maxConcurrent: 1 }), { timeoutMs: 20 });
    const calls = [backend.admitOne(costs(), true, false), backend.adjust(costs()), backend.releaseSlot('x'), backend.renewSlot('x'), backend.pause(10), backend.setLevel(0, 1), backend.state(), backend.waitFor(costs())];
    for (const result of await Promise.allSettled(calls)) expect(result).toMatchObject({ status: 'rejected', reason: { kind: 'store', reason: 'timeout' } });
  });

  it('with answered and hanging calls interleaved, only the hanging ones time out, each at its own deadline, again and again', async () => {
    let n = 0;
    const halfSilent: RedisScriptClient = {
      evalsha: () => (n++ % 2 === 0 ? Promise.resolve(n) : new Promise(() => undefined)),
      eval: () => new Promise(() => undefined),
      script: () => Promise.resolve('sha'),
    };
    const runner = new ScriptRunner(halfSilent, 'return 1', { timeoutMs: 30 });
    for (let round = 0; round < 2; round++) {
      const started = performance.now();
      const early = [runner.run('a', [], []), runner.run('b', [], [])];
      await new Promise((resolve) => setTimeout(resolve, 10));
      const late = [runner.run('c', [], []), runner.run('d', [], [])];
      const settledAt: number[] = [];
      const results = await Promise.allSettled([...early, ...late].map((p) => p.finally(() => settledAt.push(performance.now() - started))));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      expect(results[1]).toMatchObject({ reason: { kind: 'store', reason: 'timeout', operation: 'b' } });
      expect(results[3]).toMatchObject({ reason: { kind: 'store', reason: 'timeout', operation: 'd' } });
      // 'b' at its deadline (30 ms), 'd' at its own (10 ms later), not both at the first.
      const [b, d] = [settledAt[2]!, settledAt[3]!];
      expect(b).toBeGreaterThanOrEqual(29);
      expect(d).toBeGreaterThanOrEqual(39);
      expect(d).toBeLessThan(500);
    }
  });

  it('a Redis error becomes StoreError with the cause kept', async () => {
    const cause = new Error('READONLY You cannot write against a read only replica.');
    const failing: RedisScriptClient = { evalsha: () => Promise.reject(cause), eval: () => Promise.reject(cause), script: () => Promise.resolve('abc') };
    const error: unknown = await new ScriptRunner(failing, 'return 1').run('admit', [], []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ reason: 'error', cause });
    expect((error as Error).message).toContain('READONLY');
  });

  it('a client that throws synchronously still rejects with StoreError', async () => {
    const throwing: RedisScriptClient = {
      evalsha: () => {
        throw new Error('Connection is closed.');
      },
      eval: () => Promise.resolve(1),
      script: () => Promise.resolve('abc'),
    };
    await expect(new ScriptRunner(throwing, 'return 1').run('state', [], [])).rejects.toMatchObject({ kind: 'store', reason: 'error' });
  });

  it('an unexpected reply is a StoreError', async () => {
    const odd: RedisScriptClient = { evalsha: () => Promise.resolve('OK'), eval: () => Promise.resolve('OK'), script: () => Promise.resolve('abc') };
    const backend = new RedisLimiterBackend(odd, 'p', 'k', specOf({ requestsPerMinute: 10 }));
    await expect(backend.state()).rejects.toMatchObject({ kind: 'store', reason: 'bad_reply' });
  });

  it('concurrent first calls load the script once', async () => {
    let loads = 0;
    const client: RedisScriptClient = {
      evalsha: () => Promise.resolve(1),
      eval: () => Promise.resolve(1),
      script: () => {
        loads++;
        return Promise.resolve('sha');
      },
    };
    const runner = new ScriptRunner(client, 'return 1');
    await Promise.all([runner.run('a', [], []), runner.run('b', [], []), runner.run('c', [], [])]);
    expect(loads).toBe(1);
  });
});

describe.skipIf(!redisUp)('ScriptRunner against Redis', () => {
  it('after NOSCRIPT (SCRIPT FLUSH, restart, failover, another Cluster node) retries once with EVAL, which caches the script again', async () => {
    const o = openBackend({ requestsPerMinute: 10 });
    opened.push(o);
    const calls = { load: 0, evalsha: 0, eval: 0 };
    const counting: RedisScriptClient = {
      evalsha: (sha, numKeys, ...args) => {
        calls.evalsha++;
        return o.client.evalsha(sha, numKeys, ...args);
      },
      eval: (source, numKeys, ...args) => {
        calls.eval++;
        return o.client.eval(source, numKeys, ...args);
      },
      script: (sub, source) => {
        calls.load++;
        return o.client.script(sub, source);
      },
    };
    const backend = new RedisLimiterBackend(counting, o.prefix, 'svc', specOf({ requestsPerMinute: 10 }), { timeoutMs: 2000 });
    expect((await backend.admitOne(costs(), false, false)).admitted).toBe(true);
    expect(calls).toEqual({ load: 1, evalsha: 1, eval: 0 });
    await o.client.script('FLUSH');
    expect((await backend.admitOne(costs(), false, false)).admitted).toBe(true);
    expect(calls).toEqual({ load: 1, evalsha: 2, eval: 1 });
    expect((await backend.state()).levels[0]).toBeCloseTo(8, 0);
    expect(calls).toEqual({ load: 1, evalsha: 3, eval: 1 });
  });

  it('a script error other than NOSCRIPT is not retried and becomes StoreError', async () => {
    const o = openBackend({ requestsPerMinute: 10 });
    opened.push(o);
    const runner = new ScriptRunner(o.client, "return redis.error_reply('ERR boom')", { timeoutMs: 2000 });
    await expect(runner.run('admit', [], [])).rejects.toMatchObject({ kind: 'store', reason: 'error', message: expect.stringContaining('boom') });
  });

  it('ioredis is accepted as the client as is', async () => {
    const o = openBackend({ requestsPerMinute: 10 });
    opened.push(o);
    expect((await o.backend.admitOne(costs(), false, false)).admitted).toBe(true);
  });
});
