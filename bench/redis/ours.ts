/**
 * Our limiter on Redis, as a user writes it: `new RateLimiter({ ...limits, store: redisStore(client, { prefix }) })`,
 * and the check that its figures came from Redis: by default a store that fails or times out
 * hands admission to a local limiter, which would make a Redis benchmark measure memory instead.
 */
import { RateLimiter, type RateLimiterOptions } from '../../src/index.js';
import { type RedisScriptClient, redisStore } from '../../src/redis/index.js';

export function ourLimiter(client: RedisScriptClient, prefix: string, options: Omit<RateLimiterOptions, 'store'>): RateLimiter {
  return new RateLimiter({ ...options, store: redisStore(client, { prefix }) });
}

/** Why `limiter`'s run does not count as a Redis run (the store failed at some point, or requests were refused); undefined when clean. */
export function storeTrouble(limiter: RateLimiter): string | undefined {
  const stats = limiter.stats();
  const store = stats.store;
  if (!store) return 'not on a shared store';
  if (store.mode !== 'shared' || store.lastError !== undefined) return `the Redis store failed (mode ${store.mode}): ${store.lastError ?? 'no message'}`;
  if (stats.rejected > 0) return `${stats.rejected} requests refused: ${JSON.stringify(stats.rejectedByReason)}`;
  return undefined;
}
