/**
 * A per-day limit that resets all at once at midnight (see `calendar-day.ts`), with the same
 * methods as a token bucket so the key limiter can hold either.
 */
import { type DailyReset, nextMidnight } from './calendar-day.js';

/** A daily quota: `capacity` per calendar day. */
export class DayWindow {
  private used = 0;
  private endsAt: number;

  constructor(
    readonly capacity: number,
    private readonly reset: Exclude<DailyReset, 'continuous'>,
    /** Wall time minus monotonic time: converts `now` into epoch milliseconds. */
    private readonly wallOffsetMs: number,
    now: number,
  ) {
    this.endsAt = nextMidnight(now + wallOffsetMs, reset);
  }

  levelAt(now: number): number {
    return this.capacity - this.usedAt(now);
  }

  /** 0 if `amount` fits now; else until midnight; Infinity if it never fits. */
  msUntil(amount: number, now: number): number {
    if (amount > this.capacity) return Infinity;
    return amount <= this.levelAt(now) ? 0 : this.msToMidnight(now);
  }

  msUntilFull(now: number): number {
    return this.usedAt(now) > 0 ? this.msToMidnight(now) : 0;
  }

  take(amount: number, now: number): void {
    this.roll(now);
    this.used += amount;
  }

  refund(amount: number, now: number): void {
    this.roll(now);
    this.used = Math.max(0, this.used - amount);
  }

  refill(now: number): void {
    this.used = 0;
    this.endsAt = nextMidnight(now + this.wallOffsetMs, this.reset);
  }

  private usedAt(now: number): number {
    return now + this.wallOffsetMs >= this.endsAt ? 0 : this.used;
  }

  private msToMidnight(now: number): number {
    return Math.max(0, this.endsAt - (now + this.wallOffsetMs));
  }

  private roll(now: number): void {
    if (now + this.wallOffsetMs >= this.endsAt) this.refill(now);
  }
}
