/**
 * The default store: state in this process. Buckets are GCRA TATs in a Float64Array; concurrency
 * slots are pooled records in expiry order (every lease of a limiter has the same timeout, so the
 * oldest is always at the head: reclaiming expired leases is O(1) each, without timers).
 */
import { gcraAdmit, gcraCharge, gcraLevel, gcraTatForLevel, gcraWaitMs } from './gcra.js';
import {
  CONCURRENCY_INDEX,
  type LimiterBackend,
  type LimiterSpec,
  type LimiterStore,
  NO_SLOT,
  PAUSE_INDEX,
  REFUSED,
} from './limiter-store.js';
import { DIMENSION_PERIOD_MS, RATE_DIMENSIONS } from './dimensions.js';
import { CalendarDays, DAY_DIMENSIONS } from './calendar-days.js';

/** Generations wrap here: small integers keep slot bookkeeping on V8's fast integer path. */
const MAX_GENERATION = 2 ** 30;

export class MemoryLimiterBackend implements LimiterBackend {
  private readonly tat = new Float64Array(RATE_DIMENSIONS.length);
  private readonly interval = new Float64Array(RATE_DIMENSIONS.length);
  private readonly tolerance = new Float64Array(RATE_DIMENSIONS.length);
  private readonly chargedTotal = new Float64Array(RATE_DIMENSIONS.length);
  private readonly periodMs = new Float64Array(RATE_DIMENSIONS.length);
  private readonly active: number[];
  private maxConcurrent: number;
  private readonly leaseTimeoutMs: number;
  private readonly leadMs: number;
  /** Per-day limits in calendar days (undefined: refilled continuously). */
  private readonly days: CalendarDays | undefined;

  // Concurrency slots: a pool of records linked in acquisition (= expiry) order.
  private readonly slotExpiresAt: number[] = [];
  private readonly slotGeneration: number[] = [];
  private readonly slotNext: number[] = [];
  private readonly slotPrev: number[] = [];
  private readonly freeSlots: number[] = [];
  private head = -1;
  private tail = -1;

  inFlight = 0;
  lastSlotGeneration = 0;
  expiredSlots = 0;
  pausedUntil = -Infinity;
  refusalWaitMs = 0;
  refusalDimension = -1;

  constructor(spec: LimiterSpec) {
    this.active = spec.dimensions.map((d) => d.index);
    for (const d of spec.dimensions) {
      this.interval[d.index] = d.intervalMs;
      this.tolerance[d.index] = d.burst * d.intervalMs;
      this.periodMs[d.index] = d.limit * d.intervalMs;
      this.tat[d.index] = -Infinity; // starts full
    }
    this.maxConcurrent = spec.maxConcurrent;
    this.leaseTimeoutMs = spec.leaseTimeoutMs;
    this.leadMs = spec.providerDelayMs;
    if (spec.calendar) {
      // A new day: the per-day buckets are full again (their TATs left in the past).
      this.days = new CalendarDays(spec.calendar.reset, spec.calendar.wallOffsetMs, () => {
        for (const d of DAY_DIMENSIONS) this.tat[d] = -Infinity;
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
    const wait = gcraWaitMs(this.tat[d]!, this.interval[d]!, this.tolerance[d]!, cost, at, this.leadMs);
    return wait > 0 && this.days !== undefined && d >= 4 ? this.days.untilResetMs(now) : wait;
  }

  tryAdmit(costs: Float64Array, slot: boolean, now: number, force: boolean): number {
    if (!force) {
      if (now < this.pausedUntil) return this.refuse(PAUSE_INDEX, this.pausedUntil - now);
      let worstWait = 0;
      let worstDimension = -1;
      for (let i = 0; i < this.active.length; i++) {
        const d = this.active[i]!;
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
    for (let i = 0; i < this.active.length; i++) {
      const d = this.active[i]!;
      const cost = costs[d]!;
      const at = this.at(d, now);
      this.tat[d] = gcraAdmit(this.tat[d]!, this.interval[d]!, this.tolerance[d]!, cost, at, this.leadMs);
      this.chargedTotal[d] = this.chargedTotal[d]! + cost;
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
    for (let i = 0; i < this.active.length; i++) {
      const d = this.active[i]!;
      const wait = this.waitMs(d, costs[d]!, now);
      if (wait > worst) worst = wait;
    }
    return worst;
  }

  adjust(deltas: Float64Array, now: number): void {
    for (let i = 0; i < this.active.length; i++) {
      const d = this.active[i]!;
      const delta = deltas[d]!;
      if (delta === 0) continue;
      // Not in chargedTotal: a reconciliation is not an admission on its way to the provider.
      const at = this.at(d, now);
      this.tat[d] = gcraCharge(this.tat[d]!, this.interval[d]!, delta, at);
    }
  }

  level(dimension: number, now: number): number {
    const at = this.at(dimension, now);
    return gcraLevel(this.tat[dimension]!, this.interval[dimension]!, this.tolerance[dimension]!, at);
  }

  setLevel(dimension: number, units: number, now: number): void {
    const capacity = this.tolerance[dimension]! / this.interval[dimension]!;
    const level = units < capacity ? units : capacity;
    const at = this.at(dimension, now);
    this.tat[dimension] = gcraTatForLevel(level, this.interval[dimension]!, this.tolerance[dimension]!, at);
  }

  charged(dimension: number): number {
    return this.chargedTotal[dimension]!;
  }

  setLimit(dimension: number, limit: number, burst: number, now: number): void {
    const enforced = this.active.includes(dimension);
    const level = enforced ? this.level(dimension, now) : burst;
    if (!enforced) {
      this.active.push(dimension);
      this.periodMs[dimension] = DIMENSION_PERIOD_MS[RATE_DIMENSIONS[dimension]!];
    }
    this.interval[dimension] = this.periodMs[dimension]! / limit;
    this.tolerance[dimension] = burst * this.interval[dimension]!;
    this.setLevel(dimension, level, now);
  }

  setMaxConcurrent(maxConcurrent: number): void {
    this.maxConcurrent = maxConcurrent;
  }

  pauseUntil(until: number): void {
    if (until > this.pausedUntil) this.pausedUntil = until;
  }

  clearPause(): void {
    this.pausedUntil = -Infinity;
  }

  private takeSlot(now: number): number {
    let index = this.freeSlots.pop();
    if (index === undefined) {
      index = this.slotExpiresAt.length;
      this.slotExpiresAt.push(0);
      this.slotGeneration.push(0);
      this.slotNext.push(-1);
      this.slotPrev.push(-1);
    }
    this.slotExpiresAt[index] = now + this.leaseTimeoutMs;
    this.slotNext[index] = -1;
    this.slotPrev[index] = this.tail;
    if (this.tail >= 0) this.slotNext[this.tail] = index;
    else this.head = index;
    this.tail = index;
    this.inFlight++;
    this.lastSlotGeneration = this.slotGeneration[index]!;
    return index;
  }

  releaseSlot(index: number, generation: number): boolean {
    if (index < 0 || index >= this.slotGeneration.length || this.slotGeneration[index] !== generation) return false;
    this.freeSlot(index);
    return true;
  }

  private freeSlot(index: number): void {
    const prev = this.slotPrev[index]!;
    const next = this.slotNext[index]!;
    if (prev >= 0) this.slotNext[prev] = next;
    else this.head = next;
    if (next >= 0) this.slotPrev[next] = prev;
    else this.tail = prev;
    // A new generation makes every copy of the old id stale: releasing twice is harmless.
    const generation = this.slotGeneration[index]! + 1;
    this.slotGeneration[index] = generation === MAX_GENERATION ? 0 : generation;
    this.freeSlots.push(index);
    this.inFlight--;
  }

  private reclaimExpired(now: number): void {
    while (this.head >= 0 && this.slotExpiresAt[this.head]! <= now) {
      this.freeSlot(this.head);
      this.expiredSlots++;
    }
  }

  nextSlotExpiryMs(now: number): number {
    return this.head >= 0 ? Math.max(0, this.slotExpiresAt[this.head]! - now) : Infinity;
  }
}

/** Keeps every limiter's state in this process (the default). */
export class MemoryLimiterStore implements LimiterStore {
  open(_key: string, spec: LimiterSpec): LimiterBackend {
    return new MemoryLimiterBackend(spec);
  }
}
