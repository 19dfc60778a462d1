/**
 * The limits of one key: a bucket per limited dimension (or a fixed calendar window: a daily
 * quota that resets at midnight, per-minute limits counted per calendar minute) plus a
 * concurrency count. A request is
 * admitted only when every bucket holds its charge, and then takes from all of them at once; a
 * refused request takes nothing. This is the mock's own implementation (it shares nothing with
 * the engine's limiter, which it exists to test).
 */
import { amountFor, type Charge } from './accounting.js';
import type { Dimension } from './dimensions.js';
import type { BucketSpec } from './resolve-config.js';
import { CalendarWindow, calendarResetOf } from './calendar-window.js';
import { TokenBucket } from './token-bucket.js';

/** A refusal: which limit, and how long until the request would fit. */
export interface Refusal {
  readonly ok: false;
  readonly reason: Dimension | 'concurrency';
  /** The request is larger than the bucket and can never be admitted. */
  readonly tooLarge: boolean;
  /** Infinity when too large; for concurrency, a guess of one second. */
  readonly retryAfterMs: number;
  /** The provider's limit (per period), or the maximum concurrency. */
  readonly limit: number;
  /** Used now: capacity minus the level, or requests in flight. */
  readonly used: number;
  readonly requested: number;
}

/** An admission. */
export interface Admission {
  readonly ok: true;
  readonly charge: Charge;
  /** When it was admitted (the clock's time): a refund goes to the window the charge went to. */
  readonly at: number;
}

/** The state of one bucket, for the rate-limit headers. */
export interface BucketState {
  readonly spec: BucketSpec;
  readonly remaining: number;
  readonly msUntilFull: number;
}

/** A guess of when a concurrency slot frees up: providers do not say. */
const CONCURRENCY_RETRY_AFTER_MS = 1000;

/** The buckets and concurrency of one key. */
export class KeyLimiter {
  private readonly buckets: { spec: BucketSpec; bucket: TokenBucket | CalendarWindow }[];
  /** Requests admitted and not yet released. */
  inFlight = 0;

  constructor(
    specs: readonly BucketSpec[],
    private readonly maxConcurrent: number | undefined,
    now: number,
    /** Wall time minus `now`, for limits that reset at midnight. */
    wallOffsetMs: number,
  ) {
    this.buckets = specs.map((spec) => {
      const reset = calendarResetOf(spec);
      return { spec, bucket: reset ? new CalendarWindow(spec.capacity, reset, wallOffsetMs, now) : new TokenBucket(spec.capacity, spec.ratePerMs, now) };
    });
  }

  /** Why `charge` cannot be admitted at `now`, or undefined if it can. Changes nothing. */
  check(charge: Charge, now: number): Refusal | undefined {
    let worst: Refusal | undefined;
    for (const { spec, bucket } of this.buckets) {
      const amount = amountFor(spec.dimension, charge);
      if (amount <= 0) continue;
      const used = spec.capacity - bucket.levelAt(now);
      if (amount > spec.capacity) {
        return { ok: false, reason: spec.dimension, tooLarge: true, retryAfterMs: Infinity, limit: spec.limit, used, requested: amount };
      }
      const waitMs = bucket.msUntil(amount, now);
      if (waitMs > 0 && (!worst || waitMs > worst.retryAfterMs)) {
        worst = { ok: false, reason: spec.dimension, tooLarge: false, retryAfterMs: waitMs, limit: spec.limit, used, requested: amount };
      }
    }
    if (worst) return worst;
    if (this.maxConcurrent !== undefined && this.inFlight >= this.maxConcurrent) {
      return { ok: false, reason: 'concurrency', tooLarge: false, retryAfterMs: CONCURRENCY_RETRY_AFTER_MS, limit: this.maxConcurrent, used: this.inFlight, requested: 1 };
    }
    return undefined;
  }

  /** Admits `charge` at `now` (taking it from every bucket) or refuses it (taking nothing). */
  tryAdmit(charge: Charge, now: number): Admission | Refusal {
    const refusal = this.check(charge, now);
    if (refusal) return refusal;
    for (const { spec, bucket } of this.buckets) {
      const amount = amountFor(spec.dimension, charge);
      if (amount > 0) bucket.take(amount, now);
    }
    this.inFlight++;
    return { ok: true, charge, at: now };
  }

  /**
   * Ends an admitted request: frees its concurrency slot and gives back what the accounting
   * refunds (admitted minus settled). `admittedAt` (default `now`) keeps a fixed window from
   * taking back a charge that went to an earlier window.
   */
  release(admitted: Charge, settled: Charge, now: number, admittedAt: number = now): void {
    this.inFlight--;
    for (const { spec, bucket } of this.buckets) {
      const amount = amountFor(spec.dimension, admitted) - amountFor(spec.dimension, settled);
      if (amount > 0) bucket.refund(amount, now, admittedAt);
    }
  }

  /** Every bucket's state at `now`. */
  state(now: number): BucketState[] {
    return this.buckets.map(({ spec, bucket }) => ({ spec, remaining: bucket.levelAt(now), msUntilFull: bucket.msUntilFull(now) }));
  }

  /** Every bucket full again (the control endpoint's reset). */
  refill(now: number): void {
    for (const { bucket } of this.buckets) bucket.refill(now);
  }
}
