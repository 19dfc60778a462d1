/**
 * Counts calls and "hits" (failures, or slow calls) over the last `windowMs`, in O(1) per call and
 * fixed memory, like resilience4j's SlidingTimeWindowMetrics: one partial count per time bucket plus
 * running totals; a bucket that leaves the window is subtracted from the totals and reused.
 */
export class RollingWindow {
  /** Buckets per window: eviction granularity is `windowMs / BUCKETS` (Polly uses ten as well). */
  static readonly BUCKETS = 10;

  private readonly bucketMs: number;
  private readonly bucketCalls = new Float64Array(RollingWindow.BUCKETS);
  private readonly bucketHits = new Float64Array(RollingWindow.BUCKETS);
  /** Time slot (now / bucketMs, floored) of the newest bucket; -Infinity before the first call. */
  private newestSlot = Number.NEGATIVE_INFINITY;
  private totalCalls = 0;
  private totalHits = 0;

  constructor(readonly windowMs: number) {
    this.bucketMs = windowMs / RollingWindow.BUCKETS;
  }

  /** Number of buckets held: fixed for the window's lifetime, whatever the number of calls. */
  get bucketCount(): number {
    return this.bucketCalls.length;
  }

  /** Records one call at `now`; `hit` when it was a failure (or slow). */
  record(now: number, hit: boolean): void {
    this.advance(now);
    const index = this.indexOf(this.newestSlot);
    this.bucketCalls[index]! += 1;
    this.totalCalls += 1;
    if (hit) {
      this.bucketHits[index]! += 1;
      this.totalHits += 1;
    }
  }

  /** Calls in the window at `now`. */
  calls(now: number): number {
    this.advance(now);
    return this.totalCalls;
  }

  /** Hits in the window at `now`. */
  hits(now: number): number {
    this.advance(now);
    return this.totalHits;
  }

  clear(): void {
    this.bucketCalls.fill(0);
    this.bucketHits.fill(0);
    this.totalCalls = 0;
    this.totalHits = 0;
  }

  /** Evicts the buckets that left the window: at most BUCKETS of them, whatever the gap. */
  private advance(now: number): void {
    const slot = Math.floor(now / this.bucketMs);
    // A clock that stepped back stays in the newest bucket rather than corrupting older ones.
    if (slot <= this.newestSlot) return;
    if (slot - this.newestSlot >= RollingWindow.BUCKETS) {
      this.clear();
    } else {
      for (let s = this.newestSlot + 1; s <= slot; s++) {
        const index = this.indexOf(s);
        this.totalCalls -= this.bucketCalls[index]!;
        this.totalHits -= this.bucketHits[index]!;
        this.bucketCalls[index] = 0;
        this.bucketHits[index] = 0;
      }
    }
    this.newestSlot = slot;
  }

  private indexOf(slot: number): number {
    const n = RollingWindow.BUCKETS;
    return ((slot % n) + n) % n;
  }
}
