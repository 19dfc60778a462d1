/**
 * What we admitted in the last moments, which the provider may not have seen yet: its headers
 * describe its bucket without the requests still travelling to it. A ring of (time, cumulative
 * charge) per admission, read backwards; only kept when a provider delay is configured.
 */
const DIMENSIONS_TRACKED = 4; // the per-minute ones: requests, tokens, input, output

export class TransitLog {
  private readonly times: Float64Array;
  private readonly charged: Float64Array;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity = 256) {
    this.times = new Float64Array(capacity);
    this.charged = new Float64Array(capacity * DIMENSIONS_TRACKED);
  }

  /** Records the cumulative charges right after an admission at `now`. */
  record(now: number, chargedOf: (dimension: number) => number): void {
    const slot = this.next;
    this.times[slot] = now;
    for (let d = 0; d < DIMENSIONS_TRACKED; d++) this.charged[slot * DIMENSIONS_TRACKED + d] = chargedOf(d);
    this.next = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.size < this.capacity) this.size++;
  }

  /**
   * Units of `dimension` admitted after `since`, given the cumulative charge now. When more
   * admissions than the log holds happened since, all that it holds is counted.
   */
  chargedAfter(since: number, dimension: number, chargedNow: number): number {
    let baseline: number | undefined;
    for (let i = 1; i <= this.size; i++) {
      const slot = (this.next - i + this.capacity) % this.capacity;
      if (this.times[slot]! <= since) {
        baseline = this.charged[slot * DIMENSIONS_TRACKED + dimension]!;
        break;
      }
    }
    if (baseline !== undefined) return chargedNow - baseline;
    // Every admission logged is recent. A log that never filled holds them all since the start.
    if (this.size < this.capacity) return chargedNow;
    const oldest = this.next; // the oldest entry of a full ring
    return chargedNow - this.charged[oldest * DIMENSIONS_TRACKED + dimension]!;
  }
}
