/**
 * An independent audit of the limiter: it never looks at a bucket. For each dimension it keeps
 * the cumulative net charge (charges minus refunds) and checks, at every charge, that for every
 * window [s, t] ending now
 *
 *     net charge in [s, t]  <=  capacity + rate × (t − s)
 *
 * which is what a token bucket starting full promises. With F(t) = cumulative(t) − rate × t the
 * condition is F(t) − min over s ≤ t of F(s) ≤ capacity; F only rises at charges and falls in
 * between, so the running minimum of F just before and just after each event covers every
 * window in O(1). A limit counted in fixed calendar windows (a daily quota that resets at
 * midnight, per-minute limits in `fixed-minute` mode) is audited per window instead: net charge
 * since the window began <= the limit, where a refund counts only against the window its charge
 * went to. Concurrency is audited by its own count of requests in flight.
 */
import { type CalendarReset, calendarResetOf, windowEndAfter } from './calendar-window.js';
import type { Dimension } from './dimensions.js';
import type { BucketSpec } from './resolve-config.js';

/** One admission that broke a limit. */
export interface LimitViolation {
  readonly dimension: Dimension | 'concurrency';
  /** Milliseconds since the audit started. */
  readonly atMs: number;
  /** Buckets: net charge in the worst window minus that window's refill; concurrency: requests in flight. */
  readonly observed: number;
  /** Buckets: the capacity; concurrency: the maximum. */
  readonly allowed: number;
  /** A key limited per model: the model whose limits were broken. */
  readonly model?: string;
}

interface DimensionAudit {
  readonly spec: BucketSpec;
  /** Fixed calendar windows: where they end; undefined for a continuous bucket. */
  readonly reset: CalendarReset | undefined;
  cumulative: number;
  /** Minimum of F = cumulative − rate × (t − start) seen so far. */
  minimum: number;
  /** Fixed windows: net charge since the current window began, and its end (epoch ms). */
  windowSum: number;
  windowEndsAt: number;
}

const MAX_KEPT_VIOLATIONS = 20;

/** The audit of one key. */
export class LimitAudit {
  private dimensions = new Map<Dimension, DimensionAudit>();
  private startedAt: number;
  private inFlight = 0;
  /** Every violation found. */
  violationCount = 0;
  /** The first few, for the report. */
  readonly violations: LimitViolation[] = [];

  constructor(
    private readonly specs: readonly BucketSpec[],
    private readonly maxConcurrent: number | undefined,
    now: number,
    /** Wall time minus `now`, for quotas that reset at midnight. */
    private readonly wallOffsetMs: number,
  ) {
    this.startedAt = now;
    this.restart(now);
  }

  /** Forgets the past: from `now` the buckets are full again. In-flight requests stay counted. */
  restart(now: number): void {
    this.startedAt = now;
    this.dimensions = new Map(
      this.specs.map((spec) => {
        const reset = calendarResetOf(spec);
        return [spec.dimension, { spec, reset, cumulative: 0, minimum: 0, windowSum: 0, windowEndsAt: this.windowEnd(reset, now) }];
      }),
    );
    this.violationCount = 0;
    this.violations.length = 0;
  }

  /**
   * Records a signed amount (a charge, or a negative refund) of `dimension` at `now`; a refund
   * says when its charge was admitted (default `now`).
   */
  record(dimension: Dimension, amount: number, now: number, admittedAt: number = now): void {
    const audit = this.dimensions.get(dimension);
    if (!audit || amount === 0) return;
    if (audit.reset !== undefined) {
      this.recordInWindow(audit, audit.reset, amount, now, admittedAt);
      return;
    }
    const drained = audit.spec.ratePerMs * (now - this.startedAt);
    audit.minimum = Math.min(audit.minimum, audit.cumulative - drained);
    audit.cumulative += amount;
    const after = audit.cumulative - drained;
    if (amount > 0) {
      const excess = after - audit.minimum;
      const tolerance = audit.spec.capacity * 1e-9 + 1e-6;
      if (excess > audit.spec.capacity + tolerance) this.violate({ dimension, atMs: now - this.startedAt, observed: excess, allowed: audit.spec.capacity });
    }
    audit.minimum = Math.min(audit.minimum, after);
  }

  private recordInWindow(audit: DimensionAudit, reset: CalendarReset, amount: number, now: number, admittedAt: number): void {
    if (now + this.wallOffsetMs >= audit.windowEndsAt) {
      audit.windowSum = 0;
      audit.windowEndsAt = this.windowEnd(reset, now);
    }
    // A refund of a charge made in an earlier window: that charge left with its window.
    if (amount < 0 && this.windowEnd(reset, admittedAt) !== audit.windowEndsAt) return;
    audit.windowSum = Math.max(0, audit.windowSum + amount);
    if (amount > 0 && audit.windowSum > audit.spec.capacity + 1e-6) this.violate({ dimension: audit.spec.dimension, atMs: now - this.startedAt, observed: audit.windowSum, allowed: audit.spec.capacity });
  }

  private windowEnd(reset: CalendarReset | undefined, now: number): number {
    return reset === undefined ? Infinity : windowEndAfter(now + this.wallOffsetMs, reset);
  }

  /** A request starts holding a concurrency slot. */
  enter(now: number): void {
    this.inFlight++;
    if (this.maxConcurrent !== undefined && this.inFlight > this.maxConcurrent) {
      this.violate({ dimension: 'concurrency', atMs: now - this.startedAt, observed: this.inFlight, allowed: this.maxConcurrent });
    }
  }

  /** A request gives its slot back. */
  exit(): void {
    this.inFlight--;
  }

  private violate(violation: LimitViolation): void {
    this.violationCount++;
    if (this.violations.length < MAX_KEPT_VIOLATIONS) this.violations.push(violation);
  }
}
