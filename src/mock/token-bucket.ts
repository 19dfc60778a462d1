/**
 * A continuously refilled token bucket: `capacity` at most, refilled at `ratePerMs`, starting
 * full. The level is computed from the time of the last change, so checking never changes it:
 * a refused request leaves the bucket exactly as it was.
 */

/** Tolerance for floating-point refill arithmetic, in units of the bucket. */
const EPSILON = 1e-9;

/** One bucket. */
export class TokenBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly ratePerMs: number,
    now: number,
  ) {
    this.level = capacity;
    this.updatedAt = now;
  }

  /** The level at `now`. */
  levelAt(now: number): number {
    const elapsed = now > this.updatedAt ? now - this.updatedAt : 0;
    return Math.min(this.capacity, this.level + elapsed * this.ratePerMs);
  }

  /** Milliseconds until `amount` is available (0 if it is now; Infinity if it never fits). */
  msUntil(amount: number, now: number): number {
    if (amount > this.capacity + EPSILON) return Infinity;
    const missing = amount - this.levelAt(now);
    return missing > EPSILON ? missing / this.ratePerMs : 0;
  }

  /** Milliseconds until the bucket is full again. */
  msUntilFull(now: number): number {
    return (this.capacity - this.levelAt(now)) / this.ratePerMs;
  }

  /** Takes `amount`; the caller has checked {@link has}. */
  take(amount: number, now: number): void {
    this.level = this.levelAt(now) - amount;
    this.updatedAt = Math.max(now, this.updatedAt);
  }

  /** Gives back `amount` (never above capacity); when it was charged does not matter to a continuous bucket. */
  refund(amount: number, now: number, _admittedAt?: number): void {
    this.level = Math.min(this.capacity, this.levelAt(now) + amount);
    this.updatedAt = Math.max(now, this.updatedAt);
  }

  /** Full again, as at the start. */
  refill(now: number): void {
    this.level = this.capacity;
    this.updatedAt = now;
  }
}
