/**
 * What a limiter counts and tells: admissions, waits, rejections and reconciliations (its stats'
 * counters and last-minute windows), the typed errors it rejects with and the events it emits.
 */
import type { Clock } from '../core/clock.js';
import { RateLimitExceededError, type RateLimitRejection } from '../core/errors.js';
import { EventChannel, type ResilienceEvent } from '../core/events.js';
import { RollingSum } from '../core/rolling-sum.js';
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

export class LimiterMeter {
  readonly counters = { admitted: 0, rejected: 0, waited: 0, totalWaitMs: 0, tokensAdmitted: 0, tokensRefunded: 0, tokensDebited: 0 };
  readonly rejectedByReason: Record<RateLimitRejection, number> = { timeout: 0, queue_full: 0, never_fits: 0, paused: 0 };
  readonly requestsWindow = new RollingSum(MINUTE_MS, 60);
  readonly tokensWindow = new RollingSum(MINUTE_MS, 60);
  /** Waits, rejections and provider pauses, as typed events. */
  readonly events = new EventChannel<ResilienceEvent>();

  constructor(
    private readonly name: string,
    private readonly clock: Clock,
  ) {}

  /** An admission of `tokens`; `waitedMs` when it waited in the queue (undefined: it did not queue). */
  admitted(tokens: number, now: number, waitedMs: number | undefined): void {
    const counters = this.counters;
    counters.admitted++;
    counters.tokensAdmitted += tokens;
    this.requestsWindow.add(1, now);
    this.tokensWindow.add(tokens, now);
    if (waitedMs !== undefined) {
      counters.waited++;
      counters.totalWaitMs += waitedMs;
    }
  }

  /** A reconciliation of `deltaTokens` (real minus estimated; negative: a refund). */
  reconciled(deltaTokens: number, now: number): void {
    this.tokensWindow.add(deltaTokens, now);
    if (deltaTokens < 0) this.counters.tokensRefunded -= deltaTokens;
    else this.counters.tokensDebited += deltaTokens;
  }

  /** Counts and reports a rejection; returns the error to reject with. */
  rejection(dimension: number, retryAfterMs: number, reason: RateLimitRejection, requestId: string | undefined, detail?: string): RateLimitExceededError {
    this.counters.rejected++;
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
          ? this.requestsWindow.sum(now)
          : Math.round(this.tokensWindow.sum(now));
    this.events.emit({ type: 'rate_limit_wait', service: this.name, at: this.clock.wallTime(), dimension: dimensionName(dimension), used, limit, queued, requestId });
  }
}
