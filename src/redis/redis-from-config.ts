/**
 * The Redis store a configuration asks for (`redis.url`), with its prefix, timeout, fail mode,
 * local share and lease TTL. The client is ioredis, loaded only here and only when a URL is set
 * (an optional peer dependency), unless the caller passes its own.
 */
import { ConfigError } from '../core/errors.js';
import type { ResilienceConfig } from '../config/schema.js';
import type { RedisScriptClient } from './client.js';
import { type RedisStore, redisStore } from './redis-store.js';

export interface ConfiguredRedisStore {
  readonly store: RedisStore;
  /** Disconnects the client, when it was created here. */
  close(): void;
}

/** Undefined when the configuration has no `redis.url` (limits stay in the process). */
export async function redisStoreFromConfig(config: ResilienceConfig, client?: RedisScriptClient): Promise<ConfiguredRedisStore | undefined> {
  const r = config.redis;
  if (r.url === undefined) return undefined;
  let own: { disconnect(): void } | undefined;
  if (client === undefined) {
    let Redis: new (url: string, options: object) => RedisScriptClient & { disconnect(): void; on(event: string, listener: () => void): unknown };
    try {
      ({ Redis } = (await import('ioredis')) as unknown as { Redis: typeof Redis });
    } catch {
      throw new ConfigError('redis.url', r.url, 'a Redis URL with the ioredis package installed (npm install ioredis), or a client passed in code');
    }
    // The offline queue holds the first calls until the connection is up (within the store's timeout).
    const created = new Redis(r.url, { maxRetriesPerRequest: 1 });
    // Failures surface as StoreErrors from the store (and in health); no unhandled 'error' events.
    created.on('error', () => undefined);
    own = created;
    client = created;
  }
  const store = redisStore(client, {
    prefix: r.prefix,
    timeoutMs: r.timeout_seconds * 1000,
    failMode: r.fail_mode,
    leaseTtlMs: r.lease_ttl_seconds * 1000,
    ...(r.local_share !== undefined ? { localShare: r.local_share } : {}),
  });
  return { store, close: () => own?.disconnect() };
}
