/**
 * Redis stops in the middle of a run and starts again (a private redis-server, killed with
 * SIGKILL): no request fails because of it, the local fallback keeps this process under its share
 * of the limits, health says degraded and then healthy again, and the limits are shared again.
 * Also: each fail mode, and a store failure is never a rate-limit error.
 */
import { createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/core/classify.js';
import { RateLimitExceededError, StoreError } from '../../src/core/errors.js';
import type { ResilienceEvent } from '../../src/core/events.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import { createResilience } from '../../src/policy/resilience.js';
import { RedisLimiterBackend, redisStore } from '../../src/redis/index.js';
import { type PrivateRedis, privateRedis, redisServerAvailable } from './private-redis.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A private Redis and a client that fails fast while it is down and reconnects every 100 ms. */
async function startRedis(): Promise<{ redis: PrivateRedis; client: Redis }> {
  const redis = await privateRedis();
  await redis.start();
  const client = new Redis({ host: '127.0.0.1', port: redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  client.on('error', () => undefined);
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  cleanups.push(() => redis.stop(), () => client.disconnect());
  return { redis, client };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!redisServerAvailable)('Redis outage', () => {
  it('stop and start Redis mid-run: no request fails, the local share holds, health goes degraded then healthy', async () => {
    const { redis, client } = await startRedis();
    const resilience = createResilience({
      store: redisStore(client, { prefix: 'outage', timeoutMs: 100, probeIntervalMs: 200, localShare: 0.5 }),
      services: { svc: { rateLimit: { requestsPerMinute: 1200, burst: { requestsPerMinute: 10 }, maxWaitMs: 10_000 }, circuitBreaker: { shared: true }, retry: false } },
    });
    cleanups.push(() => resilience.close());
    const events: ResilienceEvent[] = [];
    resilience.events.on((event) => events.push(event));
    const calls: number[] = [];
    const health: string[] = [];
    let failed = 0;
    const start = performance.now();
    const endAt = start + 5_000;
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < endAt) {
          try {
            await resilience.execute('svc', async () => {
              calls.push(Date.now());
              await sleep(5);
            });
          } catch {
            failed++;
          }
        }
      }),
    );
    const watch = (async () => {
      while (performance.now() < endAt + 1_000) {
        health.push(resilience.getHealthStatus().status);
        await sleep(50);
      }
    })();
    await sleep(1_500);
    await redis.stop();
    await sleep(2_000);
    await redis.start();
    await Promise.all([load, watch]);

    expect(failed).toBe(0);
    const down = events.find((e) => e.type === 'store_unavailable' && e.component === 'rateLimit');
    const back = events.find((e) => e.type === 'store_recovered' && e.component === 'rateLimit');
    expect(down).toMatchObject({ failMode: 'local', share: 0.5 });
    expect(back).toBeDefined();
    // Health: healthy, then degraded while Redis was down, then healthy again.
    const firstDegraded = health.indexOf('degraded');
    expect(health[0]).toBe('healthy');
    expect(firstDegraded).toBeGreaterThan(0);
    expect(health.slice(firstDegraded).lastIndexOf('healthy')).toBeGreaterThan(0);
    expect(health[health.length - 1]).toBe('healthy');
    // While local, at most this process's share: a bucket of 5 refilled at 10 per second (+1 for the edges).
    const during = calls.filter((t) => t >= down!.at && t <= back!.at).length;
    const allowed = 5 + (10 * (back!.at - down!.at)) / 1000 + 1;
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThanOrEqual(allowed);
    // Shared again: the script was loaded anew in the restarted Redis (NOSCRIPT, then EVAL).
    expect(resilience.getStats().rateLimiters.svc!.store).toMatchObject({ mode: 'shared', healthy: true });
  }, 30_000);

  it('each outage has a local limiter that starts empty, not full: only the refill of this process\'s share goes through (a second outage too)', async () => {
    const { redis, client } = await startRedis();
    // 10 a second shared; this process's share 0.5: 5 a second, at most 10 at once.
    const limiter = new RateLimiter({ name: 'svc', requestsPerMinute: 600, burst: { requestsPerMinute: 20 }, maxWaitMs: 10_000, store: redisStore(client, { prefix: 'edges', timeoutMs: 100, probeIntervalMs: 200, localShare: 0.5 }) });
    cleanups.push(() => limiter.close());
    const admittedAt: number[] = [];
    /** 4 callers for `ms`, each acquiring and releasing at once (bounded by the deadline). */
    const drive = async (ms: number) => {
      const endAt = performance.now() + ms;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (performance.now() < endAt) {
            const lease = await limiter.acquire({ maxWaitMs: Math.max(0, endAt - performance.now()) }).catch(() => undefined);
            if (!lease) return;
            admittedAt.push(performance.now());
            lease.release();
          }
        }),
      );
    };
    for (const outage of [1, 2]) {
      (await limiter.acquire()).release();
      await redis.stop();
      const downAt = performance.now();
      await drive(1_000);
      const during = admittedAt.filter((t) => t >= downAt).length;
      // The refill of the share over a second (5), and one for the edge; a full local bucket would have let 10 more through.
      expect(during, `outage ${outage}`).toBeLessThanOrEqual(6);
      expect(during, `outage ${outage}`).toBeGreaterThan(0);
      await redis.start();
      for (let i = 0; i < 40 && limiter.stats().store?.mode !== 'shared'; i++) await sleep(100);
      expect(limiter.stats().store?.mode).toBe('shared');
      // Shared again long enough for a reused local bucket to have refilled to full.
      await sleep(2_500);
    }
  }, 30_000);

  it('Redis frozen (SIGSTOP) with a batch on its way: the admission it runs late, after we gave up, charges nothing', async () => {
    const { redis, client } = await startRedis();
    cleanups.push(() => redis.thaw());
    const spec = { dimensions: [{ index: 0, name: 'requestsPerMinute' as const, limit: 60, burst: 30, intervalMs: 1000 }], maxConcurrent: Infinity, leaseTimeoutMs: 60_000, providerDelayMs: 0 };
    const backend = new RedisLimiterBackend(client, 'frozen', 'svc', spec, { timeoutMs: 100 });
    // Once through Redis first: its clock is known, so later calls carry a deadline in it.
    expect((await backend.admit([{ costs: [1], slot: false, force: false, maxWaitMs: 0 }])).admitted).toHaveLength(1);
    redis.freeze();
    const sixteen = Array.from({ length: 16 }, () => ({ costs: [1], slot: false, force: false, maxWaitMs: 0 }));
    await expect(backend.admit(sixteen)).rejects.toBeInstanceOf(StoreError);
    redis.thaw();
    // Redis ran the batch when it resumed, after we had given up on it: charged, it would leave 13 of 29.
    const { levels } = await backend.state();
    expect(levels[0]).toBeGreaterThanOrEqual(29);
  }, 20_000);

  it('after Redis froze for 5 s, two processes sharing 600 RPM admit at least 80 % of what the limit allows over the next 20 s, and no more than it allows', async () => {
    // Issue 11: after a 5 s SIGSTOP, two processes sharing 60 RPM once got 2 requests through in the
    // next 20 s (admissions that timed out on our side ran when Redis resumed, charged for nothing sent).
    const { redis, client } = await startRedis();
    cleanups.push(() => redis.thaw());
    const second = new Redis({ host: '127.0.0.1', port: redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    second.on('error', () => undefined);
    await new Promise<void>((resolve) => second.once('ready', () => resolve()));
    cleanups.push(() => second.disconnect());
    const limiters = [client, second].map(
      (c) => new RateLimiter({ name: 'svc', requestsPerMinute: 600, burst: { requestsPerMinute: 10 }, maxWaitMs: 1_000, store: redisStore(c, { prefix: 'frozen-fleet', timeoutMs: 100, probeIntervalMs: 200 }) }),
    );
    cleanups.push(() => limiters.forEach((l) => l.close()));
    for (const limiter of limiters) (await limiter.acquire()).release();
    const admittedAt: number[] = [];
    let running = true;
    const callers = limiters.flatMap((limiter) =>
      Array.from({ length: 4 }, async () => {
        while (running) {
          try {
            (await limiter.acquire()).release();
            admittedAt.push(performance.now());
          } catch {
            await sleep(10);
          }
        }
      }),
    );
    redis.freeze();
    await sleep(5_000);
    redis.thaw();
    const thawedAt = performance.now();
    await sleep(20_000);
    running = false;
    await Promise.all(callers);
    const after = admittedAt.filter((t) => t >= thawedAt && t < thawedAt + 20_000).length;
    // The limit allows its burst (10) and the refill of 20 s (200).
    expect(after).toBeGreaterThanOrEqual(0.8 * 200);
    expect(after).toBeLessThanOrEqual(210 + 2);
    expect(limiters.map((l) => l.stats().store?.mode)).toEqual(['shared', 'shared']);
  }, 40_000);

  it("failMode 'closed' refuses with StoreError, never a rate-limit error; 'open' admits without limits", async () => {
    const { redis, client } = await startRedis();
    const closed = new RateLimiter({ name: 'svc', requestsPerMinute: 60, store: redisStore(client, { prefix: 'closed', timeoutMs: 100, failMode: 'closed', probeIntervalMs: 100 }) });
    const open = new RateLimiter({ name: 'svc', requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, store: redisStore(client, { prefix: 'open', timeoutMs: 100, failMode: 'open', probeIntervalMs: 100 }) });
    cleanups.push(() => closed.close(), () => open.close());
    (await closed.acquire()).release();
    await redis.stop();
    const error = await closed.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).not.toBeInstanceOf(RateLimitExceededError);
    expect(classifyError(error)).toBe('store');
    // While down, no round trip per request: refused before the event loop turns once (no timer, no I/O).
    const refusal = closed.acquire().then(
      () => 'admitted',
      (e: unknown) => e,
    );
    const turned = new Promise((resolve) => setImmediate(() => resolve('the event loop turned first')));
    expect(await Promise.race([refusal, turned])).toBeInstanceOf(StoreError);
    // 'open': five requests through a limit of one, while Redis is down.
    for (let i = 0; i < 5; i++) (await open.acquire()).release();
    expect(open.stats().store).toMatchObject({ mode: 'open', healthy: false });
    await redis.start();
    await sleep(400);
    expect(closed.stats().store).toMatchObject({ mode: 'shared', healthy: true });
    (await closed.acquire()).release();
  }, 20_000);

  it('a Redis that accepts connections and never answers holds no request longer than the timeout', async () => {
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as { port: number }).port;
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => undefined);
    cleanups.push(
      () => new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        blackHole.close(() => resolve());
      }),
      () => client.disconnect(),
    );
    const limiter = new RateLimiter({ name: 'svc', requestsPerMinute: 600, store: redisStore(client, { prefix: 'hole', timeoutMs: 150 }) });
    cleanups.push(() => limiter.close());
    const started = performance.now();
    const leases = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
    expect(performance.now() - started).toBeLessThan(1_000);
    for (const lease of leases) lease.release();
    expect(limiter.stats().store).toMatchObject({ mode: 'local', healthy: false });
    expect(limiter.stats().store!.lastError).toMatch(/timeout/);
  }, 10_000);
});
