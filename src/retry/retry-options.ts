/**
 * The retry module's defaults and the validation of its options, in one place: the valid range of
 * each option is written once, here, and every invalid value is a {@link ConfigError} naming it.
 */
import { type Clock, MAX_TIMER_DELAY_MS } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import type { FailureKind } from '../core/failure-kinds.js';
import type { RandomSource } from './backoff.js';
import type { RetryBudget } from './retry-budget.js';

/**
 * How a delay is randomised, as defined by the AWS Architecture Blog's "Exponential Backoff And
 * Jitter": `full` random(0, capped); `equal` capped/2 + random(0, capped/2); `decorrelated`
 * min(max, random(base, previous × 3)); `none` the capped exponential itself.
 */
export type JitterKind = 'full' | 'equal' | 'decorrelated' | 'none';

/** Options of the backoff delay. The seeds' `jitter: true` means `'full'`, `false` means `'none'`. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. Default 1000. */
  baseDelayMs?: number;
  /** No delay is ever longer. Default 60 000. */
  maxDelayMs?: number;
  /** Growth per retry, at least 1. Default 2. */
  exponentialBase?: number;
  /** Default `'full'`. */
  jitter?: JitterKind | boolean;
}

/** {@link BackoffOptions} with every default applied and every value checked. */
export interface ResolvedBackoffOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly exponentialBase: number;
  readonly jitter: JitterKind;
}

/** Options of a {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed per request over the window, in [0, 1]. Default 0.2. */
  ratio?: number;
  /** Length of the sliding window. Default 10 000. */
  windowMs?: number;
  /** Retries always allowed, whatever the traffic, so a quiet service can still retry. Default 1. */
  minRetriesPerSecond?: number;
  /** Default {@link systemClock}. */
  clock?: Clock;
}

/** {@link RetryBudgetOptions} (but the clock) with every default applied and every value checked. */
export interface ResolvedRetryBudgetOptions {
  readonly ratio: number;
  readonly windowMs: number;
  readonly minRetriesPerSecond: number;
}

/** Options of a {@link RetryPolicy}; every duration is in milliseconds. */
export interface RetryPolicyOptions extends BackoffOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Caps retries at a share of the traffic; default a {@link RetryBudget} with its defaults; `false` for none. */
  budget?: RetryBudget | RetryBudgetOptions | false;
  /** A retry-after longer than this fails at once instead of being slept. Default `maxDelayMs`. */
  maxRetryAfterMs?: number;
  /** Replaces the default "is it retryable" rule (`FAILURE_POLICIES[kind].retryable`); aborts are never retried. */
  retryOn?: (error: unknown, kind: FailureKind) => boolean;
  /** The service named in errors and events. Default `'retry'`. */
  name?: string;
  /** Where `retry_scheduled`, `attempt_failed` and `quota_exhausted` go; default a channel of its own, see {@link RetryPolicy.events}. */
  events?: EventChannel<ResilienceEvent>;
  clock?: Clock;
  random?: RandomSource;
}

/** Options of one {@link RetryPolicy.execute} call. */
export interface RetryExecuteOptions {
  signal?: AbortSignal;
  /** Time allowed for the whole call, retries included, from now. */
  deadlineMs?: number;
}

/** The defaults of the retry module (the seeds' `backoff` and `resilience.max_retries`). */
export const RETRY_DEFAULTS = {
  maxRetries: 3,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  exponentialBase: 2,
  jitter: 'full',
  budget: { ratio: 0.2, windowMs: 10_000, minRetriesPerSecond: 1 },
} as const satisfies ResolvedBackoffOptions & { maxRetries: number; budget: ResolvedRetryBudgetOptions };

const JITTER_KINDS: readonly JitterKind[] = ['full', 'equal', 'decorrelated', 'none'];

/** A delay, within what a timer can wait (a longer one would fire at once). */
export function resolveDelayMs(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_TIMER_DELAY_MS)) {
    throw new ConfigError(path, value, `a number of milliseconds from 0 to ${MAX_TIMER_DELAY_MS}`);
  }
  return value;
}

function resolveNumber(path: string, value: unknown, fallback: number, valid: (n: number) => boolean, expected: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) throw new ConfigError(path, value, expected);
  return value;
}

/** The number of retries after the first attempt: a non-negative integer. */
export function resolveMaxRetries(path: string, value: unknown): number {
  return resolveNumber(path, value, RETRY_DEFAULTS.maxRetries, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
}

function resolveJitter(path: string, value: unknown): JitterKind {
  if (value === undefined) return RETRY_DEFAULTS.jitter;
  if (value === true) return 'full';
  if (value === false) return 'none';
  if (JITTER_KINDS.includes(value as JitterKind)) return value as JitterKind;
  throw new ConfigError(path, value, `one of ${JITTER_KINDS.map((k) => `'${k}'`).join(', ')}, or a boolean`);
}

/** Applies the defaults to backoff options and checks them; `path` prefixes error paths. */
export function resolveBackoffOptions(options: BackoffOptions | undefined, path = 'retry'): ResolvedBackoffOptions {
  const o = options ?? {};
  return {
    baseDelayMs: resolveDelayMs(`${path}.baseDelayMs`, o.baseDelayMs, RETRY_DEFAULTS.baseDelayMs),
    maxDelayMs: resolveDelayMs(`${path}.maxDelayMs`, o.maxDelayMs, RETRY_DEFAULTS.maxDelayMs),
    exponentialBase: resolveNumber(`${path}.exponentialBase`, o.exponentialBase, RETRY_DEFAULTS.exponentialBase, (n) => n >= 1, 'a finite number >= 1'),
    jitter: resolveJitter(`${path}.jitter`, o.jitter),
  };
}

/** Applies the defaults to retry budget options and checks them; `path` prefixes error paths. */
export function resolveRetryBudgetOptions(options: RetryBudgetOptions | undefined, path = 'retry.budget'): ResolvedRetryBudgetOptions {
  const o = options ?? {};
  const defaults = RETRY_DEFAULTS.budget;
  return {
    ratio: resolveNumber(`${path}.ratio`, o.ratio, defaults.ratio, (n) => n >= 0 && n <= 1, 'a number from 0 to 1'),
    windowMs: resolveNumber(`${path}.windowMs`, o.windowMs, defaults.windowMs, (n) => n >= 1, 'a finite number of milliseconds >= 1'),
    minRetriesPerSecond: resolveNumber(`${path}.minRetriesPerSecond`, o.minRetriesPerSecond, defaults.minRetriesPerSecond, (n) => n >= 0, 'a finite number >= 0'),
  };
}
