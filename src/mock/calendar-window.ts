/**
 * Limits counted in fixed calendar windows rather than continuously refilled buckets: a daily
 * quota that resets at midnight (Gemini's requests per day, at midnight Pacific time), or
 * per-minute limits that reset at every minute boundary (`limits.window: 'fixed-minute'`, as some
 * providers and gateways count). A window has the same methods as a token bucket, so the key
 * limiter can hold either.
 */
import { type DailyReset, nextMidnight } from '../core/calendar-day.js';
import { MINUTE_MS } from './dimensions.js';
import type { BucketSpec } from './resolve-config.js';

/** Where a fixed window ends: at the next minute boundary, or at midnight UTC or Pacific time. */
export type CalendarReset = 'minute' | Exclude<DailyReset, 'continuous'>;

/** The end of the window holding `wallMs` (epoch ms): the first boundary after it. */
export function windowEndAfter(wallMs: number, reset: CalendarReset): number {
  return reset === 'minute' ? (Math.floor(wallMs / MINUTE_MS) + 1) * MINUTE_MS : nextMidnight(wallMs, reset);
}

/** How a bucket spec is counted: in fixed calendar windows (and which), or undefined for a continuous bucket. */
export function calendarResetOf(spec: Pick<BucketSpec, 'dailyReset' | 'window'>): CalendarReset | undefined {
  if (spec.dailyReset !== 'continuous') return spec.dailyReset;
  return spec.window === 'fixed-minute' ? 'minute' : undefined;
}

/** A limit of `capacity` per calendar window. */
export class CalendarWindow {
  private used = 0;
  private endsAt: number;

  constructor(
    readonly capacity: number,
    private readonly reset: CalendarReset,
    /** Wall time minus monotonic time: converts `now` into epoch milliseconds. */
    private readonly wallOffsetMs: number,
    now: number,
  ) {
    this.endsAt = windowEndAfter(now + wallOffsetMs, reset);
  }

  levelAt(now: number): number {
    return this.capacity - this.usedAt(now);
  }

  /** 0 if `amount` fits now; else until the window ends; Infinity if it never fits. */
  msUntil(amount: number, now: number): number {
    if (amount > this.capacity) return Infinity;
    return amount <= this.levelAt(now) ? 0 : this.msToEnd(now);
  }

  /** Until the window ends when anything is used in it (then it is whole again); 0 when nothing is. */
  msUntilFull(now: number): number {
    return this.usedAt(now) > 0 ? this.msToEnd(now) : 0;
  }

  take(amount: number, now: number): void {
    this.roll(now);
    this.used += amount;
  }

  /**
   * Gives back `amount` charged at `admittedAt`. A charge of an earlier window went with that
   * window: giving it back now would let this window admit more than its limit.
   */
  refund(amount: number, now: number, admittedAt: number = now): void {
    this.roll(now);
    if (windowEndAfter(admittedAt + this.wallOffsetMs, this.reset) !== this.endsAt) return;
    this.used = Math.max(0, this.used - amount);
  }

  refill(now: number): void {
    this.used = 0;
    this.endsAt = windowEndAfter(now + this.wallOffsetMs, this.reset);
  }

  private usedAt(now: number): number {
    return now + this.wallOffsetMs >= this.endsAt ? 0 : this.used;
  }

  /** Only asked while something is used in the current window, so `endsAt` is its end. */
  private msToEnd(now: number): number {
    return Math.max(0, this.endsAt - (now + this.wallOffsetMs));
  }

  private roll(now: number): void {
    if (now + this.wallOffsetMs >= this.endsAt) this.refill(now);
  }
}
