/**
 * A retry budget (Finagle's idea): retries may add at most `ratio` of the requests seen over the
 * last `windowMs`, plus a small floor so a quiet service can still retry. When a provider fails
 * everything, retries then add 20 % load instead of multiplying it by `maxRetries + 1`.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { RollingSums } from '../core/rolling-sum.js';
import { type ResolvedRetryBudgetOptions, type RetryBudgetOptions, resolveRetryBudgetOptions } from './retry-options.js';

/** Ten buckets: the window slides in tenths, and each update costs O(1). */
const BUCKET_COUNT = 10;

/** What a {@link RetryBudget} has seen over its window, and what it still allows. */
export interface RetryBudgetStats {
  /** Requests recorded within the window. */
  readonly requests: number;
  /** Retries granted within the window. */
  readonly retries: number;
  /** Retries the window allows in total: `ratio × requests + minRetriesPerSecond × windowMs / 1000`, floored. */
  readonly allowedRetries: number;
  /** Retries that would still be granted now. */
  readonly availableRetries: number;
}

/**
 * Caps retries at a share of the traffic over a sliding window (ten buckets, evicted lazily as
 * the clock moves; no timers).
 *
 * ```ts
 * const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000 });
 * budget.recordRequest();
 * if (budget.tryAcquireRetry()) retry();
 * ```
 */
export class RetryBudget extends RollingSums {
  readonly options: ResolvedRetryBudgetOptions;
  private readonly clock: Clock;
  /** The floor: retries allowed per window with no traffic at all. */
  private readonly reserve: number;

  /** Counts requests (A) and retries (B) over its window, a RollingSums of its own. */
  constructor(options: RetryBudgetOptions = {}) {
    const resolved = resolveRetryBudgetOptions(options);
    super(resolved.windowMs, BUCKET_COUNT);
    this.options = resolved;
    this.clock = options.clock ?? systemClock;
    this.reserve = (this.options.minRetriesPerSecond * this.options.windowMs) / 1000;
  }

  /** Counts one request (a first attempt; retries are counted by {@link tryAcquireRetry}). */
  recordRequest(nowMs: number = this.clock.now()): void {
    this.add(1, 0, nowMs);
  }

  /** Whether one more retry fits the budget; if it does, it is counted. */
  tryAcquireRetry(): boolean {
    const nowMs = this.clock.now();
    if (this.sumB(nowMs) + 1 > this.allowance(nowMs)) return false;
    this.add(0, 1, nowMs);
    return true;
  }

  /** Requests and retries within the window, and how many retries it still allows. */
  stats(): RetryBudgetStats {
    const nowMs = this.clock.now();
    const requests = this.sumA(nowMs);
    const retries = this.sumB(nowMs);
    const allowedRetries = this.allowance(nowMs);
    return { requests, retries, allowedRetries, availableRetries: Math.max(0, allowedRetries - retries) };
  }

  private allowance(nowMs: number): number {
    // The epsilon keeps 0.7 × 90 (62.99999999999999) at 63 retries.
    return Math.floor(this.options.ratio * this.sumA(nowMs) + this.reserve + 1e-9);
  }
}
