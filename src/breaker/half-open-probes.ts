/**
 * The probes in flight while a circuit is half-open: at most `capacity` at once, and the start time
 * of the oldest known in O(1), so a hung probe can be detected without a timer (resilience4j#935,
 * opossum#276: a probe that never completes must not hold the circuit half-open forever).
 */
export class HalfOpenProbes {
  /** Start times in a ring, oldest at `head`; pushed in clock order, so the ring stays sorted. */
  private readonly startTimes: Float64Array;
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.startTimes = new Float64Array(capacity);
  }

  get inFlight(): number {
    return this.size;
  }

  /** Takes a slot for a probe starting at `now`; false when every slot is taken. */
  tryStart(now: number): boolean {
    if (this.size === this.capacity) return false;
    this.startTimes[(this.head + this.size) % this.capacity] = now;
    this.size++;
    return true;
  }

  /**
   * Frees a slot. Outcomes do not say which probe they belong to, so the oldest start time is the
   * one dropped: the times kept are then never older than the probes still running, so a probe is
   * never declared hung early (at worst, later).
   */
  finish(): void {
    if (this.size === 0) return;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
  }

  /** True when every slot is taken and the oldest probe started `timeoutMs` or more before `now`. */
  isHung(now: number, timeoutMs: number): boolean {
    return this.size === this.capacity && now - this.startTimes[this.head]! >= timeoutMs;
  }

  /** When the oldest probe will be declared hung, if every slot is taken; otherwise `now` (a slot is free). */
  hungAt(now: number, timeoutMs: number): number {
    return this.size === this.capacity ? this.startTimes[this.head]! + timeoutMs : now;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}
