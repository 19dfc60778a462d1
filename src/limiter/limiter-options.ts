/** RateLimiter options: defaults, validation, and the store spec they describe. */
import type { DailyReset } from '../core/calendar-day.js';
import { type Clock, systemClock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { integerAtLeast, noUnknownKeys, nonNegativeNumber, oneOf, positiveNumber } from '../core/validate.js';
import { DIMENSION_PERIOD_MS, RATE_DIMENSIONS, type RateDimension } from './dimensions.js';
import type { AdaptiveConcurrencyOptions } from './adaptive-concurrency.js';
import type { LimitSource } from './limit-table.js';
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
  /**
   * Starting limits the provider's headers replace, up or down (the client's built-in per-provider
   * defaults). A limit set directly (`requestsPerMinute`...) is an upper bound the headers may only lower.
   */
  initialLimits?: Partial<Record<RateDimension, number>>;
  /**
   * Learn from the provider's headers the limits of dimensions nobody configured (e.g. tokens per
   * minute from `x-ratelimit-limit-tokens`). Default true.
   */
  learnLimits?: boolean;
  /**
   * Learn how the provider charges tokens at admission from its figures (charge-learner.ts; the
   * clients charge by it unless `accounting.charge` is configured). It reads figures as taken when
   * the provider admitted the request (as OpenAI's and the mock's are); turn it off for a provider
   * whose figures are taken as the response leaves. Default true.
   */
  learnChargeRule?: boolean;
  /**
   * Raise on a provider's figures only as far as a learned lead allows (provider-lead.ts): 1 s
   * at the start, halving its excess over `providerDelayMs` every 2 s, doubled (up to
   * 2 s) by every 429; a fixed delay does not hold at a busy start. Default true.
   */
  learnProviderDelay?: boolean;
  /** Burst of a learned per-minute limit, in seconds of its rate. Default 60 (a minute's worth, as OpenAI's and Anthropic's buckets hold). */
  learnedBurstSeconds?: number;
  /**
   * Until the first response from the provider has been seen, at most this many requests in
   * flight: careful rather than blind while the limits are unknown. Default: no such phase.
   */
  initialConcurrency?: number;
  /**
   * A concurrency limit learned from latency (adaptive-concurrency.ts), for providers that send no
   * rate-limit headers (DeepSeek holds requests over capacity; vLLM, Ollama queue silently):
   * `true` or options to use it, `'auto'` to use it once the first response shows no rate-limit
   * headers. Default false. Release leases with their outcome to feed it.
   */
  adaptiveConcurrency?: boolean | 'auto' | AdaptiveConcurrencyOptions;
  /**
   * Longest pause a provider's retry-after may impose (a 429 asking for a day pauses this long,
   * and the router treats the provider as unavailable meanwhile). Default 60 000.
   */
  maxPauseMs?: number;
  /**
   * How per-day limits come back: `'continuous'` (default: a day's worth refilled over 24 hours),
   * or all at once at `'midnight-utc'` or `'midnight-pacific'` (Gemini's per-day quotas), counted
   * in calendar days. In this process's buckets only: a shared store refuses a calendar reset.
   */
  dailyReset?: DailyReset;
  /** Longest a request may wait for admission before RateLimitExceededError. Default 15 000. */
  maxWaitMs?: number;
  /** Most requests that may wait at once; past it, reject at once. Default 10 000. */
  maxQueue?: number;
  /** A concurrency slot not released within this time is reclaimed (a crashed caller). Default 600 000. */
  leaseTimeoutMs?: number;
  /**
   * Expected time from our admission to the provider's (network and client overhead). From a
   * full bucket the provider's bucket stays full, wasting its refill, until our first request
   * reaches it; that refill is charged up front so we never run ahead of the provider. It is
   * also how long a provider's figures may lack our latest admissions (provider-state.ts): the
   * floor of the lead learned with `learnProviderDelay`, and what a figure is lowered on.
   * Default 0; UnifiedLLMClient uses HTTP_PROVIDER_DELAY_MS (100).
   */
  providerDelayMs?: number;
  clock?: Clock;
  /** Where the state lives: memory (default) or a shared store such as Redis. */
  store?: AnyLimiterStore;
  /** Key of this limiter in the store. Default: `name`. */
  key?: string;
}

/** The provider delay of an LLM API called over HTTP (network and client overhead), for the clients. */
export const HTTP_PROVIDER_DELAY_MS = 100;

export const LIMITER_DEFAULTS = {
  maxWaitMs: 15_000,
  maxPauseMs: 60_000,
  learnedBurstSeconds: 60,
  maxQueue: 10_000,
  leaseTimeoutMs: 600_000,
} as const;

/**
 * Requests in flight before an LLM provider's first response (the clients' careful start): one when
 * no limit is configured (nothing is known), a few when some are (they may be wrong).
 */
export const CAREFUL_START = { unconfigured: 1, configured: 4 } as const;

const KNOWN_OPTIONS = [
  ...RATE_DIMENSIONS,
  'name',
  'maxConcurrent',
  'burst',
  'initialLimits',
  'learnLimits',
  'learnChargeRule',
  'learnProviderDelay',
  'learnedBurstSeconds',
  'initialConcurrency',
  'adaptiveConcurrency',
  'maxPauseMs',
  'dailyReset',
  'maxWaitMs',
  'maxQueue',
  'leaseTimeoutMs',
  'providerDelayMs',
  'clock',
  'store',
  'key',
];

export interface ResolvedLimiterOptions {
  readonly name: string;
  readonly spec: LimiterSpec;
  /** Per entry of spec.dimensions: configured (an upper bound) or initial (replaced by the headers). */
  readonly sources: readonly LimitSource[];
  readonly maxWaitMs: number;
  readonly maxQueue: number;
  readonly maxPauseMs: number;
  readonly learnLimits: boolean;
  readonly learnChargeRule: boolean;
  readonly learnedBurstSeconds: number;
  /** Concurrency until the first response (Infinity: no careful phase). */
  readonly initialConcurrency: number;
}

/** Validates options and derives the store spec. Throws ConfigError naming the first bad option. */
export function resolveLimiterOptions(options: RateLimiterOptions, path = 'rateLimit'): ResolvedLimiterOptions {
  if (options === null || typeof options !== 'object') throw new ConfigError(path, options, 'an object of RateLimiter options');
  noUnknownKeys(path, options, KNOWN_OPTIONS);
  if (options.burst !== undefined) noUnknownKeys(`${path}.burst`, options.burst, RATE_DIMENSIONS);
  if (options.initialLimits !== undefined) {
    if (options.initialLimits === null || typeof options.initialLimits !== 'object') throw new ConfigError(`${path}.initialLimits`, options.initialLimits, 'an object of limits by dimension');
    noUnknownKeys(`${path}.initialLimits`, options.initialLimits, RATE_DIMENSIONS);
  }
  const dimensions: DimensionSpec[] = [];
  const sources: LimitSource[] = [];
  RATE_DIMENSIONS.forEach((name, index) => {
    const configured = options[name];
    const initial = options.initialLimits?.[name];
    const value = configured ?? initial;
    if (value === undefined) return;
    const limit = positiveNumber(configured !== undefined ? `${path}.${name}` : `${path}.initialLimits.${name}`, value);
    // A configured limit below the initial one wins; the initial one is only a guess.
    const burstValue = options.burst?.[name];
    const burst = burstValue === undefined ? limit : positiveNumber(`${path}.burst.${name}`, burstValue);
    if (name.startsWith('requests') && burst < 1) throw new ConfigError(`${path}.burst.${name}`, burstValue, 'at least 1 request');
    dimensions.push({ index, name, limit, burst, intervalMs: DIMENSION_PERIOD_MS[name] / limit });
    sources.push(configured !== undefined ? 'configured' : 'initial');
  });
  for (const flag of ['learnLimits', 'learnChargeRule', 'learnProviderDelay'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') throw new ConfigError(`${path}.${flag}`, options[flag], 'true or false');
  }
  const maxConcurrent =
    options.maxConcurrent === undefined ? Infinity : integerAtLeast(`${path}.maxConcurrent`, options.maxConcurrent, 1, { allowInfinity: true });
  return {
    name: options.name ?? 'default',
    spec: {
      dimensions,
      maxConcurrent,
      leaseTimeoutMs: positiveNumber(`${path}.leaseTimeoutMs`, options.leaseTimeoutMs ?? LIMITER_DEFAULTS.leaseTimeoutMs),
      providerDelayMs: nonNegativeNumber(`${path}.providerDelayMs`, options.providerDelayMs ?? 0),
      learnProviderDelay: options.learnProviderDelay ?? true,
      ...calendarOf(options, path),
    },
    sources,
    maxWaitMs: nonNegativeWait(`${path}.maxWaitMs`, options.maxWaitMs ?? LIMITER_DEFAULTS.maxWaitMs),
    maxQueue: integerAtLeast(`${path}.maxQueue`, options.maxQueue ?? LIMITER_DEFAULTS.maxQueue, 0, { allowInfinity: true }),
    maxPauseMs: positiveNumber(`${path}.maxPauseMs`, options.maxPauseMs ?? LIMITER_DEFAULTS.maxPauseMs, { allowInfinity: true }),
    learnLimits: options.learnLimits ?? true,
    learnChargeRule: options.learnChargeRule ?? true,
    learnedBurstSeconds: positiveNumber(`${path}.learnedBurstSeconds`, options.learnedBurstSeconds ?? LIMITER_DEFAULTS.learnedBurstSeconds),
    initialConcurrency:
      options.initialConcurrency === undefined ? Infinity : integerAtLeast(`${path}.initialConcurrency`, options.initialConcurrency, 1, { allowInfinity: true }),
  };
}

function nonNegativeWait(path: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw new ConfigError(path, value, 'a number of milliseconds >= 0 (or Infinity)');
  return value;
}

/** The calendar of per-day limits (none when they refill continuously). */
function calendarOf(options: RateLimiterOptions, path: string): Pick<LimiterSpec, 'calendar'> {
  const reset = oneOf(`${path}.dailyReset`, options.dailyReset ?? 'continuous', ['continuous', 'midnight-utc', 'midnight-pacific'] as const);
  if (reset === 'continuous') return {};
  const clock = options.clock ?? systemClock;
  return { calendar: { reset, wallOffsetMs: clock.wallTime() - clock.now() } };
}
