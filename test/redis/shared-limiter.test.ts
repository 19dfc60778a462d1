/**
 * RateLimiters in different "processes" (each with its own Redis client and store) sharing one
 * limiter key: a provider's retry-after pauses all of them, a refund by one is room for the others,
 * and the local share while Redis is down follows the number of live processes.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResilienceEvent } from '../../src/core/events.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import type { RateLimiterOptions } from '../../src/limiter/limiter-options.js';
import { redisStore, type RedisStoreOptions } from '../../src/redis/index.js';
import { privateRedis, redisServerAvailable } from './private-redis.js';
import { deleteKeys, newClient, redisUp, uniquePrefix } from './redis-harness.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `count` limiters on one key, each with its own client, as separate processes would have. */
function fleet(count: number, options: RateLimiterOptions, storeOptions: RedisStoreOptions = {}, port?: number): RateLimiter[] {
  const prefix = storeOptions.prefix ?? uniquePrefix();
  const admin = newClient();
  cleanups.push(async () => {
    if (port === undefined) await deleteKeys(admin, prefix);
    admin.disconnect();
  });
  return Array.from({ length: count }, () => {
    const client = port === undefined ? newClient() : new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    const limiter = new RateLimiter({ name: 'svc', ...options, store: redisStore(client, { timeoutMs: 1_000, ...storeOptions, prefix }) });
    cleanups.push(() => client.disconnect(), () => limiter.close());
    return limiter;
  });
}

describe.skipIf(!redisUp)('limiters of several processes on one key', () => {
  it("one process's 429 retry-after pauses every process", async () => {
    const [a, b] = fleet(2, { requestsPerMinute: 6_000 });
    (await b!.acquire()).release();
    a!.applyProviderState({ retryAfterMs: 600 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const start = performance.now();
    (await b!.acquire()).release();
    expect(performance.now() - start).toBeGreaterThanOrEqual(450);
  });

  it("one process's refund is room for the others", async () => {
    const [a, b] = fleet(2, { tokensPerMinute: 6_000, maxWaitMs: 0 });
    const lease = await a!.acquire({ tokens: 6_000 });
    await expect(b!.acquire({ tokens: 4_000 })).rejects.toMatchObject({ dimension: 'tokensPerMinute' });
    lease.release({ tokens: 1_000 });
    // The settle is a round trip away: b asks until it is through (bounded).
    let admitted = false;
    for (let i = 0; i < 50 && !admitted; i++) {
      admitted = await b!.acquire({ tokens: 4_000 }).then(
        (l) => (l.release(), true),
        () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10)),
      );
    }
    expect(admitted).toBe(true);
  });

  it('a concurrency cap holds across processes', async () => {
    const limiters = fleet(3, { maxConcurrent: 2 }, { concurrencyPollMs: 5 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      limiters.flatMap((limiter) =>
        Array.from({ length: 4 }, async () => {
          const lease = await limiter.acquire();
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inFlight--;
          lease.release();
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});

describe.skipIf(!redisServerAvailable)('the local share while Redis is down', () => {
  it('is 1 / the processes Redis last saw live', async () => {
    const redis = await privateRedis();
    await redis.start();
    cleanups.push(() => redis.stop());
    const limiters = fleet(3, { requestsPerMinute: 600 }, { prefix: 'share', timeoutMs: 100, probeIntervalMs: 60_000 }, redis.port);
    const events: ResilienceEvent[] = [];
    for (const limiter of limiters) limiter.events.on((event) => events.push(event));
    // One admission each registers the three processes; an active process says so again every second.
    for (const limiter of limiters) (await limiter.acquire()).release();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    (await limiters[0]!.acquire()).release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await redis.stop();
    const lease = await limiters[0]!.acquire();
    lease.release();
    const down = events.find((e) => e.type === 'store_unavailable');
    expect(down).toMatchObject({ failMode: 'local' });
    expect((down as { share: number }).share).toBeCloseTo(1 / 3, 5);
    expect(limiters[0]!.stats().store).toMatchObject({ mode: 'local', healthy: false, liveProcesses: 3 });
  });
});
