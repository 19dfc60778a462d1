/**
 * What a limiter counts and tells: admissions, waits, rejections and reconciliations (its stats'
 * counters and last-minute windows), the typed errors it rejects with and the events it emits.
 */
import type { Clock } from '../core/clock.js';
import { RateLimitExceededError, type RateLimitRejection } from '../core/errors.js';
import { EventChannel, type ResilienceEvent } from '../core/events.js';
import { RollingSums } from '../core/rolling-sum.js';
import { CONCURRENCY_DIMENSION, MINUTE_MS, PAUSE_DIMENSION, QUEUE_DIMENSION, RATE_DIMENSIONS } from './dimensions.js';
import { CONCURRENCY_INDEX, PAUSE_INDEX } from './limiter-store.js';

/** heldBy's answer when nothing but the queue ahead holds a request. */
export const QUEUE_INDEX = 102;

/** The name of a dimension index (a rate, concurrency, a provider's pause, the queue ahead). */
export function dimensionName(index: number): string {
  if (index === PAUSE_INDEX) return PAUSE_DIMENSION;
  if (index === QUEUE_INDEX) return QUEUE_DIMENSION;
  return RATE_DIMENSIONS[index] ?? CONCURRENCY_DIMENSION;
}

/** The counters of a limiter's stats. */
export interface LimiterCounters {
  admitted: number;
  rejected: number;
  waited: number;
  totalWaitMs: number;
  tokensAdmitted: number;
  tokensRefunded: number;
  tokensDebited: number;
}

/**
 * Its window (a RollingSums of its own: requests admitted as A, tokens charged as B, over the last
 * minute) and its counters are the meter's own fields: an admission updates this one object (with
 * thousands of limiters, each object touched is a cache miss of its own).
 */
export class LimiterMeter extends RollingSums {
  private admissions = 0;
  private tokensAdmitted = 0;
  private waited = 0;
  private totalWaitMs = 0;
  private rejected = 0;
  private tokensRefunded = 0;
  private tokensDebited = 0;
  readonly rejectedByReason: Record<RateLimitRejection, number> = { timeout: 0, queue_full: 0, never_fits: 0, paused: 0 };
  /** Waits, rejections and provider pauses, as typed events. */
  readonly events = new EventChannel<ResilienceEvent>();

  constructor(
    private readonly name: string,
    private readonly clock: Clock,
  ) {
    super(MINUTE_MS, 60);
  }

  requestsLastMinute(now: number): number {
    return this.sumA(now);
  }

  tokensLastMinute(now: number): number {
    return this.sumB(now);
  }

  /** An admission of `tokens`; `waitedMs` when it waited in the queue (undefined: it did not queue). */
  admitted(tokens: number, now: number, waitedMs: number | undefined): void {
    this.admissions++;
    this.tokensAdmitted += tokens;
    this.add(1, tokens, now);
    if (waitedMs !== undefined) {
      this.waited++;
      this.totalWaitMs += waitedMs;
    }
  }

  /** The counters, as the stats report them. */
  get counters(): LimiterCounters {
    const { admissions: admitted, rejected, waited, totalWaitMs, tokensAdmitted, tokensRefunded, tokensDebited } = this;
    return { admitted, rejected, waited, totalWaitMs, tokensAdmitted, tokensRefunded, tokensDebited };
  }

  /** A reconciliation of `deltaTokens` (real minus estimated; negative: a refund). */
  reconciled(deltaTokens: number, now: number): void {
    this.add(0, deltaTokens, now);
    if (deltaTokens < 0) this.tokensRefunded -= deltaTokens;
    else this.tokensDebited += deltaTokens;
  }

  /** Counts and reports a rejection; returns the error to reject with. */
  rejection(dimension: number, retryAfterMs: number, reason: RateLimitRejection, requestId: string | undefined, detail?: string): RateLimitExceededError {
    this.rejected++;
    this.rejectedByReason[reason]++;
    const name = dimensionName(dimension);
    if (this.events.hasListeners) {
      this.events.emit({ type: 'rate_limit_rejected', service: this.name, at: this.clock.wallTime(), dimension: name, reason, retryAfterMs, requestId });
    }
    return new RateLimitExceededError(this.name, name, retryAfterMs, reason, detail);
  }

  /** A request starts waiting, held by `dimension` (whose limit is `limit`, in flight `inFlight`). */
  waiting(dimension: number, limit: number, inFlight: number, queued: number, requestId: string | undefined, now: number): void {
    const used =
      dimension === CONCURRENCY_INDEX || dimension === QUEUE_INDEX
        ? inFlight
        : dimension === 0 || dimension === 4
          ? this.sumA(now)
          : Math.round(this.sumB(now));
    this.events.emit({ type: 'rate_limit_wait', service: this.name, at: this.clock.wallTime(), dimension: dimensionName(dimension), used, limit, queued, requestId });
  }
}
