/**
 * The one contract a limiter's queue admits through (the shape of redis-cell and .NET's
 * RateLimiter): the queue (priorities, FIFO, deadlines, aborts) is the limiter's, in one place
 * (admission-queue.ts); where the buckets live and how they follow the provider is the
 * admission's. `admit` answers synchronously when the state is in this process
 * (local-admission.ts) and with a promise when it is a round trip away (shared-admission.ts); the
 * queue serves both the same way. What happens while a shared store fails is a wrapper of the
 * same contract (failover-admission.ts), not a second limiter.
 */
import type { Lease } from './lease.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import type { ChargeRule } from './charge-learner.js';
import type { SharedStoreStatus } from './store-status.js';

/** One request of an admission batch (a queued request, or a critical one that is never held). */
export interface AdmissionAsk {
  /** Writes its costs into `costs` (indexed like RATE_DIMENSIONS) and returns it. */
  costsInto(costs: Float64Array): Float64Array;
  /** Takes a concurrency slot too. */
  readonly slot: boolean;
  /** The latest it may start, on the limiter's clock: a store may reserve a later start up to it. */
  readonly deadline: number;
  /** Admit regardless of the limits (critical priority); usage is still counted. */
  readonly force?: boolean;
}

/** One admitted request of a batch. */
export interface Grant {
  /** Its local concurrency slot (-1: none) and that slot's generation. */
  slot: number;
  generation: number;
  /** Its lease in a shared store (null: none). */
  leaseId: string | null;
  /** It may start this many ms after the answer, not before (a reservation; 0: at once). */
  delayMs: number;
}

/** The answer to an admission batch. */
export interface AdmitReply {
  /** How many of the batch, from its head, were admitted (their grants are the first entries of `grants`). */
  admitted: number;
  grants: Grant[];
  /** The request after the admitted ones was refused. */
  refused: boolean;
  /**
   * After a refusal: ms until it would fit (for concurrency, until it is worth asking again). The
   * queue waits that long, or rejects it now when that is beyond its deadline (rates and pauses).
   */
  waitMs: number;
  /** The dimension index, CONCURRENCY_INDEX or PAUSE_INDEX that refused it (or delayed the last admitted one); -1: none. */
  dimension: number;
  /** Set when the admission refuses the whole batch with this error (a shared store down, failMode 'closed'). */
  error?: unknown;
  /** When a shared store decided, by its clock (ms). */
  storeTime?: number;
  /** What the fleet had started provider-delay before this batch, per dimension, when asked (see SharedAdmitReply.base). */
  base?: readonly number[];
}

/** What an admission needs of its limiter. */
export interface AdmissionHost {
  readonly name: string;
  /** Something freed room the queue may use now (a shared store's refund or release answered). */
  wake(): void;
}

export interface Admission {
  /** True when admission is a round trip away (a shared store, healthy or not): no synchronous fast path. */
  readonly shared: boolean;
  /** Most requests sent in one batch. */
  readonly maxBatch: number;
  /** Admits the batch in order until the first request that does not fit. */
  admit(batch: readonly AdmissionAsk[], now: number): AdmitReply | Promise<AdmitReply>;
  /** Records a lease made from `grant` of `reply` (what releasing and following it needs). */
  admitted(lease: Lease, grant: Grant, reply: AdmitReply, now: number): void;
  /**
   * Frees the lease's slot and reconciles its usage (`deltas` indexed like RATE_DIMENSIONS; null:
   * no usage known). True when room was freed now (a shared store wakes the queue when it answers).
   */
  release(lease: Lease, deltas: Float64Array | null, now: number): boolean;
  /**
   * Gives a whole admission back: it was granted (`costs` charged) but will never start (aborted
   * or shut down before its reserved start, or its waiter was gone when the grant arrived).
   * `lease`: the lease made of it, if any.
   */
  cancel(grant: Grant, costs: Float64Array, lease: Lease | undefined, now: number): void;
  /** What a response's headers say (`pauseMs`: its retry-after, already capped; 0: none). `lease`: its admission. */
  follow(state: ProviderRateLimitState, pauseMs: number, lease: Lease | undefined, now: number): void;
  clearPause(): void;
  /** Ms until `costs` fit on rates and pauses as far as this process knows (concurrency aside). */
  waitForCostsMs(costs: Float64Array, now: number): number;
  /** The dimension index (or PAUSE_INDEX / CONCURRENCY_INDEX) that holds `costs` now. */
  blockingDimension(costs: Float64Array, now: number): number;
  pausedForMs(now: number): number;
  /** The lead a provider's figures are raised on against now (provider-lead.ts), in ms. */
  providerLeadMs(now: number): number;
  /** Units available now in a dimension, as far as this process knows (NaN: not known). */
  level(dimension: number, now: number): number;
  readonly inFlight: number;
  readonly expiredLeases: number;
  /** Sets this process's concurrency cap (careful start, learned); returns the cap in force. */
  setMaxConcurrent(cap: number): number;
  /** A careful start: the provider's figures are coming, and admissions before the first keep what reading it needs. */
  expectFigures?(): void;
  readonly chargeRule: ChargeRule;
  /** The provider refused for its limits (a 429) at `now`. */
  noteRateLimited(now: number): void;
  /** The store's state, for a shared one. */
  status(): SharedStoreStatus | undefined;
  close(): void;
}

/** True when `value` is a promise (an admission a round trip away). */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}
