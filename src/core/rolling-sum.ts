/**
 * A sum over a sliding time window, in O(1) per update and memory fixed at construction: one
 * partial sum per bucket plus a running total; buckets that fall out of the window are subtracted
 * as time moves (resilience4j's SlidingTimeWindowMetrics). No timers: time moves on each call.
 *
 * The current bucket's sum is kept in the object itself and written to its slot only when time
 * moves on: an update within a bucket touches this object alone, not the bucket array (with
 * thousands of windows, one per service, the array is a cache miss of its own). The array is
 * allocated on the first bucket that ends with something in it.
 */
export class RollingSum {
  private buckets: Float64Array | undefined;
  private readonly bucketCount: number;
  private readonly bucketMs: number;
  private total = 0;
  /** The sum of the current bucket, not yet written to its slot. */
  private current = 0;
  /** When the next bucket starts: until then, an update is a comparison and two adds. */
  private nextBucketAt = -Infinity;
  /** Absolute number of the current bucket (time / bucketMs). */
  private currentBucket = -Infinity;
  /** Its index in `buckets`, kept as a small integer so the hot path does no floating-point modulo. */
  private currentSlot = 0;

  constructor(windowMs: number, bucketCount: number) {
    this.bucketCount = bucketCount;
    this.bucketMs = windowMs / bucketCount;
  }

  add(value: number, now: number): void {
    if (now >= this.nextBucketAt) this.advance(now);
    this.current += value;
    this.total += value;
  }

  /** The sum of values added within the window ending at `now`. */
  sum(now: number): number {
    if (now >= this.nextBucketAt) this.advance(now);
    // Guard against floating drift after many add/subtract cycles.
    return Math.abs(this.total) < 1e-9 ? 0 : this.total;
  }

  private advance(now: number): void {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket <= this.currentBucket) return;
    const length = this.bucketCount;
    // The current bucket's slot was zeroed when it became current: its sum is the running one.
    if (this.current !== 0) (this.buckets ??= new Float64Array(length))[this.currentSlot] = this.current;
    this.current = 0;
    const buckets = this.buckets;
    if (buckets !== undefined) {
      if (bucket - this.currentBucket >= length) {
        buckets.fill(0);
        this.total = 0;
      } else {
        for (let b = this.currentBucket + 1; b <= bucket; b++) {
          const slot = mod(b, length);
          this.total -= buckets[slot]!;
          buckets[slot] = 0;
        }
      }
    } else if (bucket - this.currentBucket >= length) {
      this.total = 0;
    }
    this.currentBucket = bucket;
    this.currentSlot = mod(bucket, length);
    this.nextBucketAt = (bucket + 1) * this.bucketMs;
  }
}

const mod = (n: number, m: number): number => ((n % m) + m) % m;
