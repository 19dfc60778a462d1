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
 * window in O(1). A daily quota that resets at midnight is audited per calendar day instead (net
 * charge since midnight <= the limit). Concurrency is audited by its own count of requests in
 * flight.
 */
import { nextMidnight } from './calendar-day.js';
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
}

interface DimensionAudit {
  readonly spec: BucketSpec;
  cumulative: number;
  /** Minimum of F = cumulative − rate × (t − start) seen so far. */
  minimum: number;
  /** Calendar-day quotas: net charge since the last midnight, and the next midnight (epoch ms). */
  daySum: number;
  dayEndsAt: number;
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
    this.dimensions = new Map(this.specs.map((spec) => [spec.dimension, { spec, cumulative: 0, minimum: 0, daySum: 0, dayEndsAt: this.dayEnd(spec, now) }]));
    this.violationCount = 0;
    this.violations.length = 0;
  }

  /** Records a signed amount (a charge, or a negative refund) of `dimension` at `now`. */
  record(dimension: Dimension, amount: number, now: number): void {
    const audit = this.dimensions.get(dimension);
    if (!audit || amount === 0) return;
    if (audit.spec.dailyReset !== 'continuous') {
      this.recordDaily(audit, amount, now);
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

  private recordDaily(audit: DimensionAudit, amount: number, now: number): void {
    if (now + this.wallOffsetMs >= audit.dayEndsAt) {
      audit.daySum = 0;
      audit.dayEndsAt = this.dayEnd(audit.spec, now);
    }
    audit.daySum = Math.max(0, audit.daySum + amount);
    if (amount > 0 && audit.daySum > audit.spec.capacity + 1e-6) this.violate({ dimension: audit.spec.dimension, atMs: now - this.startedAt, observed: audit.daySum, allowed: audit.spec.capacity });
  }

  private dayEnd(spec: BucketSpec, now: number): number {
    return spec.dailyReset === 'continuous' ? Infinity : nextMidnight(now + this.wallOffsetMs, spec.dailyReset);
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
