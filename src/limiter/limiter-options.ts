/** RateLimiter options: defaults, validation, and the store spec they describe. */
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { integerAtLeast, noUnknownKeys, nonNegativeNumber, positiveNumber } from '../core/validate.js';
import { DIMENSION_PERIOD_MS, RATE_DIMENSIONS, type RateDimension } from './dimensions.js';
import type { DimensionSpec, LimiterSpec } from './limiter-store.js';
import type { AnyLimiterStore } from './shared-store.js';

export interface RateLimiterOptions {
  /** The service this limiter protects; named in errors, events and stats. */
  name?: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Input tokens per minute (Anthropic's ITPM). */
  inputTokensPerMinute?: number;
  /** Output tokens per minute (Anthropic's OTPM). */
  outputTokensPerMinute?: number;
  requestsPerDay?: number;
  tokensPerDay?: number;
  /** Requests in flight at once. */
  maxConcurrent?: number;
  /**
   * Bucket capacity per dimension, in that dimension's units. Default: a full period's worth (a
   * minute's limit for per-minute dimensions). Use one second's worth for providers that enforce
   * per-second caps, e.g. xAI: `burst: { requestsPerMinute: rpm / 60 }`.
   */
  burst?: Partial<Record<RateDimension, number>>;
  /** Longest a request may wait for admission before RateLimitExceededError. Default 15 000. */
  maxWaitMs?: number;
  /** Most requests that may wait at once; past it, reject at once. Default 10 000. */
  maxQueue?: number;
  /** A concurrency slot not released within this time is reclaimed (a crashed caller). Default 600 000. */
  leaseTimeoutMs?: number;
  /**
   * Expected time from our admission to the provider's (network and client overhead). From a
   * full bucket the provider's bucket stays full, wasting its refill, until our first request
   * reaches it; that refill is charged up front so we never run ahead of the provider. Default 0;
   * the LLM client sets it per provider.
   */
  providerDelayMs?: number;
  clock?: Clock;
  /** Where the state lives: memory (default) or a shared store such as Redis. */
  store?: AnyLimiterStore;
  /** Key of this limiter in the store. Default: `name`. */
  key?: string;
}

export const LIMITER_DEFAULTS = {
  maxWaitMs: 15_000,
  maxQueue: 10_000,
  leaseTimeoutMs: 600_000,
} as const;

const KNOWN_OPTIONS = [...RATE_DIMENSIONS, 'name', 'maxConcurrent', 'burst', 'maxWaitMs', 'maxQueue', 'leaseTimeoutMs', 'providerDelayMs', 'clock', 'store', 'key'];

export interface ResolvedLimiterOptions {
  readonly name: string;
  readonly spec: LimiterSpec;
  readonly maxWaitMs: number;
  readonly maxQueue: number;
}

/** Validates options and derives the store spec. Throws ConfigError naming the first bad option. */
export function resolveLimiterOptions(options: RateLimiterOptions, path = 'rateLimit'): ResolvedLimiterOptions {
  if (options === null || typeof options !== 'object') throw new ConfigError(path, options, 'an object of RateLimiter options');
  noUnknownKeys(path, options, KNOWN_OPTIONS);
  if (options.burst !== undefined) noUnknownKeys(`${path}.burst`, options.burst, RATE_DIMENSIONS);
  const dimensions: DimensionSpec[] = [];
  RATE_DIMENSIONS.forEach((name, index) => {
    const value = options[name];
    if (value === undefined) return;
    const limit = positiveNumber(`${path}.${name}`, value);
    const burstValue = options.burst?.[name];
    const burst = burstValue === undefined ? limit : positiveNumber(`${path}.burst.${name}`, burstValue);
    if (name.startsWith('requests') && burst < 1) throw new ConfigError(`${path}.burst.${name}`, burstValue, 'at least 1 request');
    dimensions.push({ index, name, limit, burst, intervalMs: DIMENSION_PERIOD_MS[name] / limit });
  });
  const maxConcurrent =
    options.maxConcurrent === undefined ? Infinity : integerAtLeast(`${path}.maxConcurrent`, options.maxConcurrent, 1, { allowInfinity: true });
  return {
    name: options.name ?? 'default',
    spec: {
      dimensions,
      maxConcurrent,
      leaseTimeoutMs: positiveNumber(`${path}.leaseTimeoutMs`, options.leaseTimeoutMs ?? LIMITER_DEFAULTS.leaseTimeoutMs),
      providerDelayMs: nonNegativeNumber(`${path}.providerDelayMs`, options.providerDelayMs ?? 0),
    },
    maxWaitMs: nonNegativeWait(`${path}.maxWaitMs`, options.maxWaitMs ?? LIMITER_DEFAULTS.maxWaitMs),
    maxQueue: integerAtLeast(`${path}.maxQueue`, options.maxQueue ?? LIMITER_DEFAULTS.maxQueue, 0, { allowInfinity: true }),
  };
}

function nonNegativeWait(path: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw new ConfigError(path, value, 'a number of milliseconds >= 0 (or Infinity)');
  return value;
}
