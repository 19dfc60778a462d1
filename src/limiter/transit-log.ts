/**
 * What we admitted in the last moments, which the provider may not have seen yet: its headers
 * describe its bucket without the requests still travelling to it. A ring of (time, cumulative
 * charge) per admission, read backwards. It only has to cover the provider delay, so it starts
 * small and grows (to a cap) when more admissions than it holds fall within that delay. One array
 * of entries (time, then the charges): with thousands of limiters each object an admission touches
 * is a cache miss of its own.
 */
const DIMENSIONS_TRACKED = 4; // the per-minute ones: requests, tokens, input, output
const ENTRY = 1 + DIMENSIONS_TRACKED;
const INITIAL_CAPACITY = 8;
const MAX_CAPACITY = 4096;

export class TransitLog {
  private entries: Float64Array;
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
    this.entries = new Float64Array(INITIAL_CAPACITY * ENTRY);
  }

  /** Records the cumulative charges right after an admission at `now`. */
  record(now: number, chargedOf: (dimension: number) => number): void {
    if (this.size === this.capacity) {
      // The oldest entry may go only when the one after it is old enough to answer for the horizon
      // (a reading at now - horizon needs the last entry at or before it): grow rather than forget it.
      const secondOldest = this.entries[((this.next + 1) % this.capacity) * ENTRY]!;
      if (this.capacity < MAX_CAPACITY && secondOldest > now - this.horizonMs) this.grow();
      else this.wrapped = true;
    }
    const slot = this.next;
    const at = slot * ENTRY;
    this.entries[at] = now;
    for (let d = 0; d < DIMENSIONS_TRACKED; d++) this.entries[at + 1 + d] = chargedOf(d);
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
      if (this.entries[this.slotBack(mid) * ENTRY]! <= since) high = mid;
      else low = mid + 1;
    }
    if (low <= this.size) return chargedNow - this.entries[this.slotBack(low) * ENTRY + 1 + dimension]!;
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
    const entries = new Float64Array(capacity * ENTRY);
    // Oldest first: the ring is full, so the oldest entry is at `next`.
    for (let i = 0; i < this.size; i++) {
      const slot = (this.next + i) % this.capacity;
      entries.set(this.entries.subarray(slot * ENTRY, (slot + 1) * ENTRY), i * ENTRY);
    }
    this.entries = entries;
    this.next = this.size;
    this.capacity = capacity;
  }
}
