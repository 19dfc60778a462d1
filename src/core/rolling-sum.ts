/**
 * A sum over a sliding time window, in O(1) per update and memory fixed at construction: one
 * partial sum per bucket plus a running total; buckets that fall out of the window are subtracted
 * as time moves (resilience4j's SlidingTimeWindowMetrics). No timers: time moves on each call.
 */
export class RollingSum {
  private readonly buckets: Float64Array;
  private readonly bucketMs: number;
  private total = 0;
  /** Absolute number of the current bucket (time / bucketMs). */
  private currentBucket = -Infinity;
  /** Its index in `buckets`, kept as a small integer so the hot path does no floating-point modulo. */
  private currentSlot = 0;
  /** When the next bucket starts: until then, an update is a comparison and an add. */
  private nextBucketAt = -Infinity;

  constructor(windowMs: number, bucketCount: number) {
    this.buckets = new Float64Array(bucketCount);
    this.bucketMs = windowMs / bucketCount;
  }

  add(value: number, now: number): void {
    this.advance(now);
    const slot = this.currentSlot;
    this.buckets[slot] = this.buckets[slot]! + value;
    this.total += value;
  }

  /** The sum of values added within the window ending at `now`. */
  sum(now: number): number {
    this.advance(now);
    // Guard against floating drift after many add/subtract cycles.
    return Math.abs(this.total) < 1e-9 ? 0 : this.total;
  }

  private advance(now: number): void {
    if (now < this.nextBucketAt) return;
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket <= this.currentBucket) return;
    const length = this.buckets.length;
    if (bucket - this.currentBucket >= length) {
      this.buckets.fill(0);
      this.total = 0;
    } else {
      for (let b = this.currentBucket + 1; b <= bucket; b++) {
        const slot = mod(b, length);
        this.total -= this.buckets[slot]!;
        this.buckets[slot] = 0;
      }
    }
    this.currentBucket = bucket;
    this.currentSlot = mod(bucket, length);
    this.nextBucketAt = (bucket + 1) * this.bucketMs;
  }
}

const mod = (n: number, m: number): number => ((n % m) + m) % m;
