/**
 * One conformance suite for every limiter store: the same RateLimiter behaviour with its state in
 * memory, in a MemorySharedStore (the shared, asynchronous path, deterministically) and in Redis.
 * Each variant gives the test its clock and a way to let time pass: the memory variants run on a
 * ManualClock (every time they assert is exact, so they are asserted exactly as well); Redis keeps
 * its own clock, so its variant runs in real time, on rates fast enough to take well under a
 * second per test, and keeps the bounds these tests always had.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RateLimitExceededError, ShutdownError } from '../../src/core/errors.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import type { RateLimiterOptions } from '../../src/limiter/limiter-options.js';
import type { Lease } from '../../src/limiter/lease.js';
import { MemorySharedStore } from '../../src/limiter/memory-shared-store.js';
import { redisStore } from '../../src/redis/index.js';
import { deleteKeys, newClient, redisUp, uniquePrefix } from '../redis/redis-harness.js';
import { manualTime, realTime, sleepOn, type Time, timeoutSignal } from './clock-drive.js';

const client = newClient();
afterAll(() => client.disconnect());
const prefixes: string[] = [];
const limiters: RateLimiter[] = [];
afterEach(async () => {
  // A shared store must have answered throughout: a fall back to the local limiter would pass these tests for the wrong reason.
  const fellBack = limiters.map((l) => l.stats().store).filter((store) => store !== undefined && !store.healthy);
  for (const limiter of limiters.splice(0)) limiter.close();
  expect(fellBack).toEqual([]);
  if (redisUp) for (const prefix of prefixes.splice(0)) await deleteKeys(client, prefix);
});

interface Variant {
  readonly name: 'memory' | 'memory-async' | 'redis';
  readonly available: boolean;
  /** A fresh time and store for one test (undefined store: the default memory store). */
  setup(): { time: Time; store: RateLimiterOptions['store'] };
}

const VARIANTS: Variant[] = [
  { name: 'memory', available: true, setup: () => ({ time: manualTime(), store: undefined }) },
  {
    name: 'memory-async',
    available: true,
    setup: () => {
      const time = manualTime();
      return { time, store: new MemorySharedStore({ clock: time.clock, leaseTtlMs: 10_000, concurrencyPollMs: 5 }) };
    },
  },
  {
    name: 'redis',
    available: redisUp,
    setup: () => {
      const prefix = uniquePrefix();
      prefixes.push(prefix);
      return { time: realTime, store: redisStore(client, { prefix, timeoutMs: 2000, leaseTtlMs: 10_000, concurrencyPollMs: 5 }) };
    },
  },
];

for (const { name, available, setup } of VARIANTS) {
  describe.skipIf(!available)(`limiter store conformance: ${name}`, () => {
    /** A limiter on a fresh store; the test's time in `t`. */
    let t: Time;
    const limiterWith = (options: RateLimiterOptions): RateLimiter => {
      const { time, store } = setup();
      t = time;
      const limiter = new RateLimiter({ name: 'svc', ...options, clock: time.clock, store });
      limiters.push(limiter);
      return limiter;
    };
    const acquire = (limiter: RateLimiter, options?: Parameters<RateLimiter['acquire']>[0]): Promise<Lease> => t.until(limiter.acquire(options));
    const elapsed = (since: number): number => t.clock.now() - since;

    it('admits the burst at once, then one request per interval, in arrival order', async () => {
      const limiter = limiterWith({ requestsPerMinute: 600, burst: { requestsPerMinute: 3 } });
      const start = t.clock.now();
      const order: number[] = [];
      const times: number[] = [];
      await t.until(
        Promise.all(
          [0, 1, 2, 3, 4].map(async (i) => {
            const lease = await limiter.acquire();
            order.push(i);
            times.push(elapsed(start));
            lease.release();
          }),
        ),
      );
      expect(order).toEqual([0, 1, 2, 3, 4]);
      expect(times[2]).toBeLessThan(80);
      // 100 ms per request after the burst of 3.
      expect(times[3]).toBeGreaterThanOrEqual(90);
      expect(times[4]).toBeGreaterThanOrEqual(190);
      expect(times[4]).toBeLessThan(600);
      if (t.exact) expect(times).toEqual([0, 0, 0, 100, 200]);
    });

    it('admits on every dimension or on none: a request held by tokens charges no request', async () => {
      const limiter = limiterWith({ requestsPerMinute: 600, burst: { requestsPerMinute: 2 }, tokensPerMinute: 60_000, maxWaitMs: 0 });
      (await acquire(limiter, { tokens: 59_000 })).release();
      await expect(acquire(limiter, { tokens: 5_000 })).rejects.toBeInstanceOf(RateLimitExceededError);
      // The refused request charged nothing: the second request slot is still there.
      (await acquire(limiter, { tokens: 1_000 })).release();
      await expect(acquire(limiter, { tokens: 0 })).rejects.toMatchObject({ dimension: 'requestsPerMinute' });
    });

    it('never holds more than maxConcurrent leases; a release lets the next one in', async () => {
      const limiter = limiterWith({ maxConcurrent: 2 });
      let inFlight = 0;
      let peak = 0;
      await t.until(
        Promise.all(
          Array.from({ length: 8 }, async () => {
            const lease = await limiter.acquire();
            inFlight++;
            peak = Math.max(peak, inFlight);
            await sleepOn(t.clock, 15);
            inFlight--;
            lease.release();
          }),
        ),
      );
      expect(peak).toBe(2);
      expect(limiter.stats().admitted).toBe(8);
    });

    it('refunds unused tokens on release, so the next request fits sooner', async () => {
      const limiter = limiterWith({ tokensPerMinute: 6_000, maxWaitMs: 0 });
      const lease = await acquire(limiter, { tokens: 6_000 });
      await expect(acquire(limiter, { tokens: 3_000 })).rejects.toMatchObject({ dimension: 'tokensPerMinute', reason: 'timeout' });
      lease.release({ tokens: 1_000 });
      const second = await retryUntilAdmitted(t, limiter, { tokens: 3_000 });
      second.release();
    });

    it('charges more when the real usage is larger than the estimate', async () => {
      const limiter = limiterWith({ tokensPerMinute: 6_000, maxWaitMs: 0 });
      (await acquire(limiter, { tokens: 1_000 })).release({ tokens: 5_500 });
      await eventually(t, async () => {
        await expect(acquire(limiter, { tokens: 1_000 })).rejects.toMatchObject({ dimension: 'tokensPerMinute' });
      });
    });

    it("a one-request bucket with a provider delay still admits (xAI's per-second cap with the client's 100 ms lead)", async () => {
      const limiter = limiterWith({ requestsPerMinute: 600, burst: { requestsPerMinute: 1 }, providerDelayMs: 100, maxWaitMs: 1_000 });
      const start = t.clock.now();
      (await acquire(limiter)).release();
      expect(elapsed(start)).toBeLessThan(50);
      (await acquire(limiter)).release();
      const took = elapsed(start);
      expect(took).toBeGreaterThanOrEqual(90);
      expect(took).toBeLessThan(400);
      if (t.exact) expect(took).toBe(100);
    });

    it('stats count the tokens admitted, refunded and debited by reconciliation', async () => {
      const limiter = limiterWith({ tokensPerMinute: 60_000 });
      (await acquire(limiter, { tokens: 1_000 })).release({ tokens: 400 });
      (await acquire(limiter, { tokens: 1_000 })).release({ tokens: 1_250 });
      (await acquire(limiter, { tokens: 500 })).release();
      expect(limiter.stats()).toMatchObject({ tokensAdmitted: 2_500, tokensRefunded: 600, tokensDebited: 250, tokensLastMinute: 2_150 });
    });

    it('admits a waiting high-priority request before earlier normal ones', async () => {
      const limiter = limiterWith({ requestsPerMinute: 1200, burst: { requestsPerMinute: 1 } });
      (await acquire(limiter)).release();
      const order: string[] = [];
      const normal = [1, 2, 3].map((i) => limiter.acquire().then((l) => (order.push(`normal${i}`), l.release())));
      await t.advance(5);
      const high = limiter.acquire({ priority: 'high' }).then((l) => (order.push('high'), l.release()));
      await t.until(Promise.all([...normal, high]));
      // A shared store has already given the head of the queue its turn (a reservation, so that the
      // fleet is served in the order it asks): high passes every other normal request.
      expect(order.indexOf('high')).toBeLessThanOrEqual(name === 'memory' ? 0 : 1);
      expect(order.filter((o) => o.startsWith('normal'))).toEqual(['normal1', 'normal2', 'normal3']);
      if (t.exact) expect(order).toEqual(name === 'memory' ? ['high', 'normal1', 'normal2', 'normal3'] : ['normal1', 'high', 'normal2', 'normal3']);
    });

    it('rejects at once a request that cannot fit before its maxWaitMs, naming the dimension', async () => {
      const limiter = limiterWith({ requestsPerMinute: 60, burst: { requestsPerMinute: 1 } });
      (await acquire(limiter)).release();
      const start = t.clock.now();
      const error = await acquire(limiter, { maxWaitMs: 200 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitExceededError);
      expect(error).toMatchObject({ dimension: 'requestsPerMinute', reason: 'timeout' });
      expect((error as RateLimitExceededError).retryAfterMs).toBeGreaterThan(500);
      expect(elapsed(start)).toBeLessThan(150);
      if (t.exact) expect(elapsed(start)).toBe(0);
    });

    it('rejects a request larger than the bucket as never_fits', async () => {
      const limiter = limiterWith({ tokensPerMinute: 1_000 });
      await expect(acquire(limiter, { tokens: 1_001 })).rejects.toMatchObject({ reason: 'never_fits', dimension: 'tokensPerMinute' });
    });

    it('an aborted waiter leaves the queue and charges nothing', async () => {
      const limiter = limiterWith({ requestsPerMinute: 600, burst: { requestsPerMinute: 1 } });
      (await acquire(limiter)).release();
      const controller = new AbortController();
      const aborted = limiter.acquire({ signal: controller.signal });
      const next = limiter.acquire();
      controller.abort(new Error('caller gave up'));
      await expect(aborted).rejects.toThrow('caller gave up');
      const start = t.clock.now();
      (await t.until(next)).release();
      // The next one only waited its own interval (100 ms), not two.
      expect(elapsed(start)).toBeLessThan(180);
      if (t.exact) expect(elapsed(start)).toBe(100);
    });

    it("a provider's retry-after pauses every caller", async () => {
      const limiter = limiterWith({ requestsPerMinute: 6_000 });
      limiter.applyProviderState({ retryAfterMs: 250 });
      await t.advance(30);
      const start = t.clock.now();
      (await acquire(limiter)).release();
      expect(elapsed(start)).toBeGreaterThanOrEqual(180);
      if (t.exact) expect(elapsed(start)).toBe(220);
      await expect(limiterRejectsWhilePaused(t, limiter)).resolves.toBe(true);
    });

    it('critical requests are never held but are counted', async () => {
      const limiter = limiterWith({ requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, maxWaitMs: 0 });
      (await acquire(limiter)).release();
      (await acquire(limiter, { priority: 'critical' })).release();
      await expect(acquire(limiter)).rejects.toBeInstanceOf(RateLimitExceededError);
      expect(limiter.stats().admitted).toBe(2);
    });

    it('close() rejects every waiter with ShutdownError and refuses new requests', async () => {
      const limiter = limiterWith({ requestsPerMinute: 60, burst: { requestsPerMinute: 1 } });
      (await acquire(limiter)).release();
      const waiting = [limiter.acquire(), limiter.acquire()];
      await t.advance(10);
      limiter.close();
      for (const w of waiting) await expect(w).rejects.toBeInstanceOf(ShutdownError);
      await expect(limiter.acquire()).rejects.toBeInstanceOf(ShutdownError);
    });

    it('every request settles exactly once under a mix of waits, aborts and deadlines', async () => {
      const limiter = limiterWith({ requestsPerMinute: 3000, burst: { requestsPerMinute: 5 }, maxConcurrent: 3 });
      const settled = new Array<number>(40).fill(0);
      await t.until(
        Promise.all(
          settled.map(async (_, i) => {
            const signal = i % 7 === 0 ? timeoutSignal(t.clock, 30) : undefined;
            try {
              const lease = await limiter.acquire({ signal, maxWaitMs: i % 5 === 0 ? 50 : 5_000 });
              settled[i]!++;
              await sleepOn(t.clock, 3);
              lease.release();
            } catch {
              settled[i]!++;
            }
          }),
        ),
      );
      expect(settled.every((n) => n === 1)).toBe(true);
      const stats = limiter.stats();
      expect(stats.queued).toBe(0);
    });
  });
}

/** Acquires with maxWaitMs 0 until admitted (a refund reaches a shared store a round trip later). */
async function retryUntilAdmitted(t: Time, limiter: RateLimiter, options: { tokens: number }): Promise<Lease> {
  for (let i = 0; i < 50; i++) {
    try {
      return await t.until(limiter.acquire(options));
    } catch {
      await t.advance(10);
    }
  }
  throw new Error('never admitted');
}

/** Runs `check` until it passes (at most 50 times, 10 ms apart): a settle reaches a shared store a round trip later. */
async function eventually(t: Time, check: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await check();
      return;
    } catch (error) {
      if (i >= 50) throw error;
      await t.advance(10);
    }
  }
}

async function limiterRejectsWhilePaused(t: Time, limiter: RateLimiter): Promise<boolean> {
  limiter.applyProviderState({ retryAfterMs: 5_000 });
  await t.advance(30);
  const error = await t.until(limiter.acquire({ maxWaitMs: 100 })).catch((e: unknown) => e);
  return error instanceof RateLimitExceededError && error.reason === 'paused';
}
