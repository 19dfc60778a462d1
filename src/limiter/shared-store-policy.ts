/** How a limiter uses a shared store (SharedStorePolicy): its options, defaults and validation, one for every shared store. */
import { ConfigError } from '../core/errors.js';
import { integerAtLeast, oneOf, positiveNumber } from '../core/validate.js';
import type { SharedStorePolicy, StoreFailMode } from './shared-store.js';

/** The policy options a shared store takes (redisStore, MemorySharedStore). */
export interface SharedStorePolicyOptions {
  /** What a limiter does while the store does not answer. Default 'local'. */
  readonly failMode?: StoreFailMode;
  /** This process's share of the limits in local mode, in (0, 1]. Default: 1 / the live processes. */
  readonly localShare?: number;
  /** While the store is down, how often to try it again (ms). Default 1000. */
  readonly probeIntervalMs?: number;
  /** Lease TTL in the store (ms). Default 15 000. */
  readonly leaseTtlMs?: number;
  /** Most queued requests sent in one admission round trip. Default 64. */
  readonly maxBatch?: number;
  /** How often a request held by concurrency asks again, in ms. Default 25. */
  readonly concurrencyPollMs?: number;
}

export const SHARED_STORE_POLICY_DEFAULTS = {
  failMode: 'local',
  probeIntervalMs: 1000,
  leaseTtlMs: 15_000,
  maxBatch: 64,
  concurrencyPollMs: 25,
} as const;

/** The policy options' names (for a store's unknown-key check). */
export const SHARED_STORE_POLICY_KEYS = ['failMode', 'localShare', 'probeIntervalMs', 'leaseTtlMs', 'maxBatch', 'concurrencyPollMs'] as const;

/** Validates the policy options of a store whose options are named `path` in errors. */
export function sharedStorePolicy(path: string, options: SharedStorePolicyOptions): SharedStorePolicy {
  const defaults = SHARED_STORE_POLICY_DEFAULTS;
  const localShare = options.localShare === undefined ? undefined : positiveNumber(`${path}.localShare`, options.localShare);
  if (localShare !== undefined && localShare > 1) throw new ConfigError(`${path}.localShare`, localShare, 'a share in (0, 1]');
  return {
    failMode: oneOf(`${path}.failMode`, options.failMode ?? defaults.failMode, ['local', 'open', 'closed'] as const),
    localShare,
    probeIntervalMs: positiveNumber(`${path}.probeIntervalMs`, options.probeIntervalMs ?? defaults.probeIntervalMs),
    leaseTtlMs: positiveNumber(`${path}.leaseTtlMs`, options.leaseTtlMs ?? defaults.leaseTtlMs),
    maxBatch: integerAtLeast(`${path}.maxBatch`, options.maxBatch ?? defaults.maxBatch, 1),
    concurrencyPollMs: positiveNumber(`${path}.concurrencyPollMs`, options.concurrencyPollMs ?? defaults.concurrencyPollMs),
  };
}
