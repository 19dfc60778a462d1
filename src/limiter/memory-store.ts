/**
 * The default store: state in this process. Buckets are GCRA TATs, concurrency slots pooled records
 * in expiry order (every lease of a limiter has the same timeout, so the oldest is always at the
 * head: reclaiming expired leases is O(1) each, without timers), all in one Float64Array.
 */
import { gcraAdmit, gcraCharge, gcraLevel, gcraTatForLevel, gcraWaitMs } from './gcra.js';
import { CONCURRENCY_INDEX, type LimiterBackend, type LimiterSpec, type LimiterStore, NO_SLOT, PAUSE_INDEX, REFUSED } from './limiter-store.js';
import { DIMENSION_PERIOD_MS, RATE_DIMENSIONS } from './dimensions.js';
import { CalendarDays, DAY_DIMENSIONS } from './calendar-days.js';

/** Generations wrap here: small integers keep slot bookkeeping on V8's fast integer path. */
const MAX_GENERATION = 2 ** 30;

/** Room for this many slots at first, doubled as more are held at once. */
const INITIAL_SLOTS = 2;
/** A bucket's fields. */
const BUCKET_FIELDS = 4;
const BUCKET_NUMBERS = RATE_DIMENSIONS.length * BUCKET_FIELDS;
/** The `i`th enforced dimension in MemoryLimiterBackend.order (3 bits each: RATE_DIMENSIONS has 6). */
const dimensionAt = (order: number, i: number): number => (order >> (i * 3)) & 7;
const TAT = 0;
const INTERVAL = 1;
const TOLERANCE = 2;
const CHARGED = 3;

/** A slot record's fields. */
const SLOT_FIELDS = 4;
const EXPIRES_AT = 0;
const GENERATION = 1;
const NEXT = 2;
const PREV = 3;

export class MemoryLimiterBackend implements LimiterBackend {
  /**
   * The slots' records (slot `i` at `i * SLOT_FIELDS`), then every dimension's bucket (its TAT,
   * refill interval, tolerance and units charged, at `bucketBase + dimension * BUCKET_FIELDS`: it
   * moves up when the slots grow). An admission reads and writes one small block of memory: an
   * array per field would each be an object to fetch, a cache miss each when limiters are many.
   */
  private block = new Float64Array(INITIAL_SLOTS * SLOT_FIELDS + BUCKET_NUMBERS);
  private bucketBase = INITIAL_SLOTS * SLOT_FIELDS;
  /** How many dimensions are enforced, and which: in the order they are checked, 3 bits each (an integer, not an array to fetch). */
  private activeCount = 0;
  private order = 0;
  // Fields in the order an admission reads them: the object's first cache line or two.
  /** A pause was set since the last clearPause (pausedUntil, a boxed double, is read only then). */
  private paused = false;
  pausedUntil = -Infinity;
  /** Per-day limits in calendar days (undefined: refilled continuously). */
  private readonly days: CalendarDays | undefined;
  private readonly leadMs: number;
  inFlight = 0;
  private maxConcurrent: number;

  /**
   * Concurrency slots: a pool of records in `block`, SLOT_FIELDS numbers each (expiry, generation,
   * next, previous), held ones linked in acquisition (= expiry) order, free ones in a stack through
   * their `next` field.
   */
  private freeHead = -1;
  private tail = -1;
  private head = -1;
  private slotCount = 0;
  private slotCapacity = INITIAL_SLOTS;
  private readonly leaseTimeoutMs: number;
  lastSlotGeneration = 0;

  expiredSlots = 0;
  refusalWaitMs = 0;
  refusalDimension = -1;
  private readonly periodMs = new Float64Array(RATE_DIMENSIONS.length);

  constructor(spec: LimiterSpec) {
    const buckets = this.block;
    for (const d of spec.dimensions) {
      this.enforce(d.index);
      const at = this.bucketOf(d.index);
      buckets[at + INTERVAL] = d.intervalMs;
      buckets[at + TOLERANCE] = d.burst * d.intervalMs;
      buckets[at + TAT] = -Infinity; // starts full
      this.periodMs[d.index] = d.limit * d.intervalMs;
    }
    this.maxConcurrent = spec.maxConcurrent;
    this.leaseTimeoutMs = spec.leaseTimeoutMs;
    this.leadMs = spec.providerDelayMs;
    if (spec.calendar) {
      // A new day: the per-day buckets are full again (their TATs left in the past).
      this.days = new CalendarDays(spec.calendar.reset, spec.calendar.wallOffsetMs, () => {
        for (const d of DAY_DIMENSIONS) this.block[this.bucketOf(d) + TAT] = -Infinity;
      });
    }
  }

  /** The moment a dimension's bucket is read at: now, or the day's frozen moment for a calendar per-day one. */
  private at(dimension: number, now: number): number {
    return this.days !== undefined && dimension >= 4 ? this.days.at(now) : now;
  }

  /** Ms until `cost` fits in a dimension (a calendar per-day one: the next midnight, when it does not fit today). */
  private waitMs(d: number, cost: number, now: number): number {
    // The moment first: a new day changes the TAT it reads.
    const at = this.at(d, now);
    const b = this.block;
    const i = this.bucketOf(d);
    const wait = gcraWaitMs(b[i + TAT]!, b[i + INTERVAL]!, b[i + TOLERANCE]!, cost, at, this.leadMs);
    return wait > 0 && this.days !== undefined && d >= 4 ? this.days.untilResetMs(now) : wait;
  }

  tryAdmit(costs: Float64Array, slot: boolean, now: number, force: boolean): number {
    const b = this.block;
    const count = this.activeCount;
    const order = this.order;
    if (!force) {
      if (this.paused && now < this.pausedUntil) return this.refuse(PAUSE_INDEX, this.pausedUntil - now);
      let worstWait = 0;
      let worstDimension = -1;
      for (let i = 0; i < count; i++) {
        const d = dimensionAt(order, i);
        const wait = this.waitMs(d, costs[d]!, now);
        if (wait > worstWait) {
          worstWait = wait;
          worstDimension = d;
        }
      }
      if (worstWait > 0) return this.refuse(worstDimension, worstWait);
      if (slot && this.inFlight >= this.maxConcurrent) {
        this.reclaimExpired(now);
        if (this.inFlight >= this.maxConcurrent) return this.refuse(CONCURRENCY_INDEX, 0);
      }
    }
    for (let i = 0; i < count; i++) {
      const d = dimensionAt(order, i);
      const cost = costs[d]!;
      const at = this.at(d, now);
      const k = this.bucketOf(d);
      b[k + TAT] = gcraAdmit(b[k + TAT]!, b[k + INTERVAL]!, b[k + TOLERANCE]!, cost, at, this.leadMs);
      b[k + CHARGED] = b[k + CHARGED]! + cost;
    }
    return slot ? this.takeSlot(now) : NO_SLOT;
  }

  private refuse(dimension: number, waitMs: number): number {
    this.refusalDimension = dimension;
    this.refusalWaitMs = waitMs;
    return REFUSED;
  }

  waitForCostsMs(costs: Float64Array, now: number): number {
    let worst = now < this.pausedUntil ? this.pausedUntil - now : 0;
    for (let i = 0; i < this.activeCount; i++) {
      const d = dimensionAt(this.order, i);
      const wait = this.waitMs(d, costs[d]!, now);
      if (wait > worst) worst = wait;
    }
    return worst;
  }

  adjust(deltas: Float64Array, now: number): void {
    const b = this.block;
    for (let i = 0; i < this.activeCount; i++) {
      const d = dimensionAt(this.order, i);
      const delta = deltas[d]!;
      if (delta === 0) continue;
      // Not in CHARGED: a reconciliation is not an admission on its way to the provider.
      const at = this.at(d, now);
      const k = this.bucketOf(d);
      b[k + TAT] = gcraCharge(b[k + TAT]!, b[k + INTERVAL]!, delta, at);
    }
  }

  level(dimension: number, now: number): number {
    const at = this.at(dimension, now);
    const b = this.block;
    const k = this.bucketOf(dimension);
    return gcraLevel(b[k + TAT]!, b[k + INTERVAL]!, b[k + TOLERANCE]!, at);
  }

  setLevel(dimension: number, units: number, now: number): void {
    const b = this.block;
    const k = this.bucketOf(dimension);
    const capacity = b[k + TOLERANCE]! / b[k + INTERVAL]!;
    const level = units < capacity ? units : capacity;
    const at = this.at(dimension, now);
    b[k + TAT] = gcraTatForLevel(level, b[k + INTERVAL]!, b[k + TOLERANCE]!, at);
  }

  charged(dimension: number): number {
    return this.block[this.bucketOf(dimension) + CHARGED]!;
  }

  setLimit(dimension: number, limit: number, burst: number, now: number): void {
    let enforced = false;
    for (let i = 0; i < this.activeCount; i++) if (dimensionAt(this.order, i) === dimension) enforced = true;
    const level = enforced ? this.level(dimension, now) : burst;
    if (!enforced) {
      this.enforce(dimension);
      this.periodMs[dimension] = DIMENSION_PERIOD_MS[RATE_DIMENSIONS[dimension]!];
    }
    const b = this.block;
    const k = this.bucketOf(dimension);
    b[k + INTERVAL] = this.periodMs[dimension]! / limit;
    b[k + TOLERANCE] = burst * b[k + INTERVAL]!;
    this.setLevel(dimension, level, now);
  }

  setMaxConcurrent(maxConcurrent: number): void {
    this.maxConcurrent = maxConcurrent;
  }

  pauseUntil(until: number): void {
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.paused = this.pausedUntil !== -Infinity;
  }

  clearPause(): void {
    this.paused = false;
    this.pausedUntil = -Infinity;
  }

  private takeSlot(now: number): number {
    let index = this.freeHead;
    if (index >= 0) {
      this.freeHead = this.block[index * SLOT_FIELDS + NEXT]! | 0;
    } else {
      if (this.slotCount === this.slotCapacity) this.growSlots();
      index = this.slotCount++;
    }
    const slots = this.block;
    const at = index * SLOT_FIELDS;
    slots[at + EXPIRES_AT] = now + this.leaseTimeoutMs;
    slots[at + NEXT] = -1;
    slots[at + PREV] = this.tail;
    if (this.tail >= 0) slots[this.tail * SLOT_FIELDS + NEXT] = index;
    else this.head = index;
    this.tail = index;
    this.inFlight++;
    this.lastSlotGeneration = slots[at + GENERATION]! | 0;
    return index;
  }

  releaseSlot(index: number, generation: number): boolean {
    if (index < 0 || index >= this.slotCount || this.block[index * SLOT_FIELDS + GENERATION] !== generation) return false;
    this.freeSlot(index);
    return true;
  }

  private freeSlot(index: number): void {
    const slots = this.block;
    const at = index * SLOT_FIELDS;
    const prev = slots[at + PREV]! | 0;
    const next = slots[at + NEXT]! | 0;
    if (prev >= 0) slots[prev * SLOT_FIELDS + NEXT] = next;
    else this.head = next;
    if (next >= 0) slots[next * SLOT_FIELDS + PREV] = prev;
    else this.tail = prev;
    // A new generation makes every copy of the old id stale: releasing twice is harmless.
    const generation = (slots[at + GENERATION]! | 0) + 1;
    slots[at + GENERATION] = generation === MAX_GENERATION ? 0 : generation;
    slots[at + NEXT] = this.freeHead;
    this.freeHead = index;
    this.inFlight--;
  }

  private reclaimExpired(now: number): void {
    while (this.head >= 0 && this.block[this.head * SLOT_FIELDS + EXPIRES_AT]! <= now) {
      this.freeSlot(this.head);
      this.expiredSlots++;
    }
  }

  /** Where dimension `d`'s bucket starts in `block`. */
  private bucketOf(d: number): number {
    return this.bucketBase + d * BUCKET_FIELDS;
  }

  private enforce(dimension: number): void {
    this.order |= dimension << (this.activeCount++ * 3);
  }

  /** Twice the room for slots: the buckets move up. */
  private growSlots(): void {
    const old = this.block;
    this.slotCapacity *= 2;
    this.block = new Float64Array(this.slotCapacity * SLOT_FIELDS + BUCKET_NUMBERS);
    this.block.set(old.subarray(0, this.bucketBase));
    this.block.set(old.subarray(this.bucketBase), this.slotCapacity * SLOT_FIELDS);
    this.bucketBase = this.slotCapacity * SLOT_FIELDS;
  }

  nextSlotExpiryMs(now: number): number {
    return this.head >= 0 ? Math.max(0, this.block[this.head * SLOT_FIELDS + EXPIRES_AT]! - now) : Infinity;
  }
}

/** Keeps every limiter's state in this process (the default). */
export class MemoryLimiterStore implements LimiterStore {
  open(_key: string, spec: LimiterSpec): LimiterBackend {
    return new MemoryLimiterBackend(spec);
  }
}
