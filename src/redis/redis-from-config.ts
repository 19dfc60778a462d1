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
    const created = await connectIoredis(r.url, 'redis.url');
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

/**
 * An ioredis client for `url` (ioredis is an optional peer: a clear ConfigError naming `field` when
 * it is not installed). Failures surface as StoreErrors from the store (and in health), never as
 * unhandled 'error' events; the offline queue holds the first calls until the connection is up.
 */
export async function connectIoredis(url: string, field: string): Promise<RedisScriptClient & { disconnect(): void }> {
  let Redis: new (url: string, options: object) => RedisScriptClient & { disconnect(): void; on(event: string, listener: () => void): unknown };
  try {
    ({ Redis } = (await import('ioredis')) as unknown as { Redis: typeof Redis });
  } catch {
    throw new ConfigError(field, url, 'a Redis URL with the ioredis package installed (npm install ioredis), or a client passed in code');
  }
  const created = new Redis(url, { maxRetriesPerRequest: 1 });
  created.on('error', () => undefined);
  return created;
}
