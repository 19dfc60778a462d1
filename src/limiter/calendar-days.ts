/**
 * Per-day limits counted in calendar days (`dailyReset: 'midnight-utc' | 'midnight-pacific'`):
 * the day's whole budget is there from midnight and nothing comes back until the next one
 * (Gemini's requests per day reset at midnight Pacific). The buckets stay GCRA buckets: within a
 * day they are read at a moment frozen at the day's first use (no refill), and the next day empties
 * their debt (a full bucket). A request that does not fit waits for the midnight.
 */
import { type DailyReset, nextMidnight } from '../core/calendar-day.js';

/** The per-day dimensions (indexes in RATE_DIMENSIONS). */
export const DAY_DIMENSIONS: readonly number[] = [4, 5];

export class CalendarDays {
  /** When the day of the frozen moment ends, on the limiter's clock. */
  private endsAt = -Infinity;
  /** The moment per-day buckets are read at during this day. */
  private frozenAt = 0;

  constructor(
    private readonly reset: Exclude<DailyReset, 'continuous'>,
    /** The wall clock minus the limiter's clock (ms). */
    private readonly wallOffsetMs: number,
    /** Called when a new day begins: its buckets start full. */
    private readonly onNewDay: () => void,
  ) {}

  /** The moment per-day buckets are read at, for `now` (a new day begins when `now` passed midnight). */
  at(now: number): number {
    if (now >= this.endsAt) {
      this.endsAt = nextMidnight(now + this.wallOffsetMs, this.reset) - this.wallOffsetMs;
      this.frozenAt = now;
      this.onNewDay();
    }
    return this.frozenAt;
  }

  /** Ms until the next midnight (when a refused per-day request may fit). */
  untilResetMs(now: number): number {
    this.at(now);
    return this.endsAt - now;
  }
}
