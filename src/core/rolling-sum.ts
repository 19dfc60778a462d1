/**
 * Two sums over one sliding time window (requests and tokens, requests and retries), in O(1) per
 * update and memory fixed at construction: one partial sum per bucket and series plus running
 * totals; buckets that fall out of the window are subtracted as time moves (resilience4j's
 * SlidingTimeWindowMetrics). No timers: time moves on each call.
 *
 * The current bucket's sums are kept in the object itself and written to its slots only when
 * time moves on: an update within a bucket touches this object alone, not the bucket array (with
 * thousands of windows, one per service, every object touched is a cache miss of its own). The
 * array is allocated on the first bucket that ends with something in it. For the same reason it
 * is a base class: the object that counts (a retry budget, a limiter's meter) holds the window's
 * numbers itself.
 */
export class RollingSums {
  /** When the next bucket starts: until then, an update is a comparison and adds. */
  private nextBucketAt = -Infinity;
  /** The sums of the current bucket, not yet written to its slots, and the window's totals (current bucket included). */
  private currentA = 0;
  private totalA = 0;
  private currentB = 0;
  private totalB = 0;
  /** Absolute number of the current bucket (time / bucketMs). */
  private currentBucket = -Infinity;
  /** Its index among the buckets, kept as a small integer so the hot path does no floating-point modulo. */
  private currentSlot = 0;
  /** Per bucket, its sum of series A then of series B. */
  private buckets: Float64Array | undefined;
  private readonly bucketCount: number;
  private readonly bucketMs: number;

  constructor(windowMs: number, bucketCount: number) {
    this.bucketCount = bucketCount;
    this.bucketMs = windowMs / bucketCount;
  }

  /** Adds `a` to the first series and `b` to the second. */
  protected add(a: number, b: number, now: number): void {
    if (now >= this.nextBucketAt) this.advance(now);
    this.currentA += a;
    this.totalA += a;
    this.currentB += b;
    this.totalB += b;
  }

  /** The sum of the first series within the window ending at `now`. */
  protected sumA(now: number): number {
    if (now >= this.nextBucketAt) this.advance(now);
    return settled(this.totalA);
  }

  /** The sum of the second series within the window ending at `now`. */
  protected sumB(now: number): number {
    if (now >= this.nextBucketAt) this.advance(now);
    return settled(this.totalB);
  }

  private advance(now: number): void {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket <= this.currentBucket) return;
    const length = this.bucketCount;
    // The current bucket's slots were zeroed when it became current: its sums are the running ones.
    if (this.currentA !== 0 || this.currentB !== 0) {
      const buckets = (this.buckets ??= new Float64Array(2 * length));
      buckets[2 * this.currentSlot] = this.currentA;
      buckets[2 * this.currentSlot + 1] = this.currentB;
    }
    this.currentA = 0;
    this.currentB = 0;
    const buckets = this.buckets;
    if (bucket - this.currentBucket >= length) {
      buckets?.fill(0);
      this.totalA = 0;
      this.totalB = 0;
    } else if (buckets !== undefined) {
      for (let b = this.currentBucket + 1; b <= bucket; b++) {
        const slot = 2 * mod(b, length);
        this.totalA -= buckets[slot]!;
        this.totalB -= buckets[slot + 1]!;
        buckets[slot] = 0;
        buckets[slot + 1] = 0;
      }
    }
    this.currentBucket = bucket;
    this.currentSlot = mod(bucket, length);
    this.nextBucketAt = (bucket + 1) * this.bucketMs;
  }
}

/** Guards against floating drift after many add/subtract cycles. */
const settled = (total: number): number => (Math.abs(total) < 1e-9 ? 0 : total);

const mod = (n: number, m: number): number => ((n % m) + m) % m;
