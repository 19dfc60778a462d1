/**
 * What we admitted in the last moments, which the provider may not have seen yet: its headers
 * describe its bucket without the requests still travelling to it. A ring of (time, cumulative
 * charge) per admission, read backwards. It only has to cover the provider delay, so it starts
 * small and grows (to a cap) when more admissions than it holds fall within that delay.
 */
const DIMENSIONS_TRACKED = 4; // the per-minute ones: requests, tokens, input, output
const INITIAL_CAPACITY = 8;
const MAX_CAPACITY = 4096;

export class TransitLog {
  private times: Float64Array;
  private charged: Float64Array;
  private capacity = INITIAL_CAPACITY;
  private next = 0;
  private size = 0;
  /** An entry was overwritten: the log no longer reaches back to the start (a grow does not undo that). */
  private wrapped = false;

  /**
   * `fromZero`: the cumulative charges started at 0 with the log (this process's own), so a log
   * that never wrapped reaches back to the start; false for charges sampled from elsewhere (a
   * fleet's), known only from the first sample on.
   */
  constructor(
    /** How far back readings reach (entries older are kept only while the log has room). */
    private readonly horizonMs: number,
    private readonly fromZero = true,
  ) {
    this.times = new Float64Array(INITIAL_CAPACITY);
    this.charged = new Float64Array(INITIAL_CAPACITY * DIMENSIONS_TRACKED);
  }

  /** Records the cumulative charges right after an admission at `now`. */
  record(now: number, chargedOf: (dimension: number) => number): void {
    if (this.size === this.capacity) {
      // The oldest entry may go only when the one after it is old enough to answer for the horizon
      // (a reading at now - horizon needs the last entry at or before it): grow rather than forget it.
      const secondOldest = this.times[(this.next + 1) % this.capacity]!;
      if (this.capacity < MAX_CAPACITY && secondOldest > now - this.horizonMs) this.grow();
      else this.wrapped = true;
    }
    const slot = this.next;
    this.times[slot] = now;
    for (let d = 0; d < DIMENSIONS_TRACKED; d++) this.charged[slot * DIMENSIONS_TRACKED + d] = chargedOf(d);
    this.next = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.size < this.capacity) this.size++;
  }

  /**
   * Units of `dimension` admitted after `since`, given the cumulative charge now; NaN when the
   * log no longer reaches back to `since` (more admissions happened since than it holds).
   */
  chargedAfter(since: number, dimension: number, chargedNow: number): number {
    // The latest entry at or before `since`: times only grow, so a binary search over entries
    // counted back from the newest (1) to the oldest (size); a learned lead may span thousands.
    let low = 1;
    let high = this.size + 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.times[this.slotBack(mid)]! <= since) high = mid;
      else low = mid + 1;
    }
    if (low <= this.size) return chargedNow - this.charged[this.slotBack(low) * DIMENSIONS_TRACKED + dimension]!;
    // Every admission logged is recent. A log that never dropped an entry holds them all since the
    // start (not merely one with room left: after a grow it has room, and has lost the oldest).
    return !this.wrapped && this.fromZero ? chargedNow : NaN;
  }

  /** The slot of the entry `back` places behind the newest (1: the newest). */
  private slotBack(back: number): number {
    const slot = this.next - back;
    return slot < 0 ? slot + this.capacity : slot;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const times = new Float64Array(capacity);
    const charged = new Float64Array(capacity * DIMENSIONS_TRACKED);
    // Oldest first: the ring is full, so the oldest entry is at `next`.
    for (let i = 0; i < this.size; i++) {
      const slot = (this.next + i) % this.capacity;
      times[i] = this.times[slot]!;
      charged.set(this.charged.subarray(slot * DIMENSIONS_TRACKED, (slot + 1) * DIMENSIONS_TRACKED), i * DIMENSIONS_TRACKED);
    }
    this.times = times;
    this.charged = charged;
    this.next = this.size;
    this.capacity = capacity;
  }
}
