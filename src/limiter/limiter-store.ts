/**
 * Where a limiter keeps its state. The memory store (default) keeps it in this process; a shared
 * store (Redis) lets a fleet of processes enforce one budget. The limiter's queue, priorities and
 * waiting stay local in every case: only the atomic "admit on every dimension or on none" and the
 * accounting behind it live in the store.
 */
import type { RateDimension } from './dimensions.js';

/** One configured rate dimension: a bucket of `burst` units refilled by `limit` per period. */
export interface DimensionSpec {
  /** Index in RATE_DIMENSIONS. */
  readonly index: number;
  readonly name: RateDimension;
  /** The limit per period (per minute or per day). */
  readonly limit: number;
  /** Bucket capacity in units. */
  readonly burst: number;
  /** Milliseconds to refill one unit. */
  readonly intervalMs: number;
}

export interface LimiterSpec {
  readonly dimensions: readonly DimensionSpec[];
  /** Concurrency cap, or Infinity for none. */
  readonly maxConcurrent: number;
  /** A concurrency slot not released within this time is reclaimed. */
  readonly leaseTimeoutMs: number;
  /** Expected delay from our admission to the provider's; see RateLimiterOptions.providerDelayMs. */
  readonly providerDelayMs: number;
  /** Learn the delay from response times, providerDelayMs being its floor (provider-lead.ts). Default false. */
  readonly learnProviderDelay?: boolean;
  /**
   * Per-day limits counted in calendar days (calendar-days.ts) rather than refilled continuously;
   * `wallOffsetMs` is the wall clock minus the limiter's clock. Undefined: continuous.
   */
  readonly calendar?: { readonly reset: 'midnight-utc' | 'midnight-pacific'; readonly wallOffsetMs: number };
}

/**
 * The state of one limiter. Admission is synchronous for the memory store; the result of the last
 * refusal is left in the fields below (no allocation per call).
 */
export interface LimiterBackend {
  /**
   * Admits `costs` (indexed like RATE_DIMENSIONS) and, when `slot`, one concurrency slot, all at
   * once or not at all. `force` admits regardless (critical priority): usage is still counted.
   * Returns the slot's index (>= 0; its generation is then in `lastSlotGeneration`), NO_SLOT when
   * admitted without one, or REFUSED.
   */
  tryAdmit(costs: Float64Array, slot: boolean, now: number, force: boolean): number;
  /** After REFUSED: ms until the refused request could fit on rate dimensions (0 when only concurrency held it). */
  readonly refusalWaitMs: number;
  /** After REFUSED: the dimension index that held it, CONCURRENCY_INDEX or PAUSE_INDEX. */
  readonly refusalDimension: number;
  /** Ms until `costs` fit, ignoring concurrency and the queue (for the wait estimate). */
  waitForCostsMs(costs: Float64Array, now: number): number;
  /** Reconciles usage: positive deltas debit, negative deltas refund (never above a full bucket). */
  adjust(deltas: Float64Array, now: number): void;
  /** Generation of the slot taken by the last admission: a slot is named by (index, generation). */
  readonly lastSlotGeneration: number;
  /** Frees a concurrency slot; a stale generation or unknown index is ignored (release is idempotent). */
  releaseSlot(index: number, generation: number): boolean;
  /** Ms until the oldest held slot expires (Infinity when none). */
  nextSlotExpiryMs(now: number): number;
  /** Units available now in a dimension (can be negative after a debit). */
  level(dimension: number, now: number): number;
  /** Sets a dimension's available units (provider headers). */
  setLevel(dimension: number, units: number, now: number): void;
  /** Total units ever charged by admissions in a dimension, reconciliations aside (to tell what the provider has not seen yet). */
  charged(dimension: number): number;
  /**
   * Sets a dimension's limit (per period) and burst, keeping the units available now (capped by
   * the new burst); a dimension not enforced yet starts enforced with a full bucket.
   */
  setLimit(dimension: number, limit: number, burst: number, now: number): void;
  /** Changes the concurrency cap (Infinity: none); slots held stay held. */
  setMaxConcurrent(maxConcurrent: number): void;
  /** Pauses admission (except forced) until `until` on the limiter's clock; never shortens a longer pause. */
  pauseUntil(until: number): void;
  /** Ends any pause at once. */
  clearPause(): void;
  readonly pausedUntil: number;
  readonly inFlight: number;
  /** Slots reclaimed because their lease timed out. */
  readonly expiredSlots: number;
}

export interface LimiterStore {
  /** The backend holding the state of the limiter named `key`. */
  open(key: string, spec: LimiterSpec): LimiterBackend;
}

export const NO_SLOT = -1;
export const REFUSED = -2;
/** refusalDimension value when concurrency held the request. */
export const CONCURRENCY_INDEX = 100;
/** refusalDimension value when a provider's retry-after pause held the request. */
export const PAUSE_INDEX = 101;
