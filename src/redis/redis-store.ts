/**
 * `redisStore(client, options)`: a limiter store shared by every process that uses the same Redis
 * and prefix, so that a fleet enforces one budget per provider. Pass it as a limiter's `store`
 * (or a Resilience's / client's `store`).
 *
 * ```ts
 * import { Redis } from 'ioredis';
 * import { redisStore } from 'llm-resilience/redis';
 * const store = redisStore(new Redis(process.env.REDIS_URL), { prefix: 'my-app' });
 * const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 500, tokensPerMinute: 200_000, store });
 * ```
 */
import { ConfigError } from '../core/errors.js';
import { noUnknownKeys, positiveNumber } from '../core/validate.js';
import type { LimiterSpec } from '../limiter/limiter-store.js';
import type { SharedLimiterBackend, SharedLimiterStore, StoreFailMode } from '../limiter/shared-store.js';
import { SHARED_STORE_POLICY_DEFAULTS, SHARED_STORE_POLICY_KEYS, sharedStorePolicy } from '../limiter/shared-store-policy.js';
import type { RedisScriptClient } from './client.js';
import { DEFAULT_PREFIX } from './keys.js';
import { RedisLimiterBackend } from './redis-limiter-backend.js';
import { redisBreakerStates } from './breaker-state.js';
import type { SharedBreakerState } from '../breaker/shared-breaker-state.js';
import { DEFAULT_STORE_TIMEOUT_MS } from './script-runner.js';

export interface RedisStoreOptions {
  /** Key prefix of this application (no braces). Default 'llmr'. */
  prefix?: string;
  /** Deadline of each Redis call, in ms: past it the call is a StoreError and the fail mode applies. Default 250. */
  timeoutMs?: number;
  /**
   * While Redis does not answer: 'local' (default) admits through a local limiter holding this
   * process's share of the limits; 'open' admits without shared limits; 'closed' rejects with StoreError.
   */
  failMode?: StoreFailMode;
  /** This process's share of the limits in local mode, in (0, 1]. Default: 1 / the live processes seen in Redis. */
  localShare?: number;
  /** While Redis is down, how often to try it again, in ms. Default 1000. */
  probeIntervalMs?: number;
  /** Lease TTL in Redis, in ms: renewed every third of it while the call runs; a killed process frees its slots after it. Default 15 000. */
  leaseTtlMs?: number;
  /** Most queued requests sent in one admission round trip. Default 64. */
  maxBatch?: number;
  /** How often a request held by concurrency asks again, in ms. Default 25. */
  concurrencyPollMs?: number;
  /** Report processes that use different limits on the same key (default true). */
  checkConfig?: boolean;
}

export const REDIS_STORE_DEFAULTS = { prefix: DEFAULT_PREFIX, timeoutMs: DEFAULT_STORE_TIMEOUT_MS, ...SHARED_STORE_POLICY_DEFAULTS } as const;

const KNOWN = ['prefix', 'timeoutMs', 'checkConfig', ...SHARED_STORE_POLICY_KEYS];

/** A Redis-backed limiter store; see {@link RedisStoreOptions}. */
export interface RedisStore extends SharedLimiterStore {
  readonly kind: 'redis';
  /** The shared breaker state of `service` (for `circuitBreaker: { shared: true }`). */
  breakerState(service: string): SharedBreakerState;
  readonly prefix: string;
  readonly client: RedisScriptClient;
}

export function redisStore(client: RedisScriptClient, options: RedisStoreOptions = {}): RedisStore {
  if (client === null || typeof client !== 'object' || typeof client.evalsha !== 'function' || typeof client.eval !== 'function' || typeof client.script !== 'function') {
    throw new ConfigError('redis.client', client, 'a Redis client with evalsha, eval and script (ioredis, or an adapter: see RedisScriptClient)');
  }
  if (options === null || typeof options !== 'object') throw new ConfigError('redis', options, 'an object of redisStore options');
  noUnknownKeys('redis', options, KNOWN);
  const prefix = options.prefix ?? REDIS_STORE_DEFAULTS.prefix;
  if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) throw new ConfigError('redis.prefix', prefix, 'a non-empty prefix without { or }');
  const timeoutMs = positiveNumber('redis.timeoutMs', options.timeoutMs ?? REDIS_STORE_DEFAULTS.timeoutMs);
  const policy = sharedStorePolicy('redis', options);
  if (policy.leaseTtlMs < 3 * timeoutMs) throw new ConfigError('redis.leaseTtlMs', policy.leaseTtlMs, `at least 3 × timeoutMs (${3 * timeoutMs} ms), so that a renewal lands before the lease expires`);
  const checkConfig = options.checkConfig ?? true;
  const breakerStates = redisBreakerStates(client, { prefix, timeoutMs });
  return {
    kind: 'redis',
    prefix,
    client,
    policy,
    breakerState: (service: string): SharedBreakerState => breakerStates(service),
    openShared(key: string, spec: LimiterSpec): SharedLimiterBackend {
      return new RedisLimiterBackend(client, prefix, key, spec, { timeoutMs, checkConfig, leaseTtlMs: policy.leaseTtlMs });
    },
  };
}
