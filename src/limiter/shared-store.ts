/**
 * A store shared by many processes (Redis): admission is a round trip, so it is asynchronous. The
 * limiter keeps its queue, priorities and deadlines in the process and sends the head of its queue
 * to the store in batches; the store admits in order (with a delay when a request fits within its
 * maxWait) and stops at the first request that does not fit, answering how long until it would. Nothing here names Redis: any shared store can implement it.
 */
import type { LimiterSpec, LimiterStore } from './limiter-store.js';

/** One request of an admission batch. */
export interface SharedAdmitRequest {
  /** Indexed like RATE_DIMENSIONS. */
  readonly costs: ArrayLike<number>;
  /** Take a concurrency lease too. */
  readonly slot: boolean;
  /** Admit regardless of the limits (critical priority); usage is still counted. */
  readonly force: boolean;
  /**
   * Longest this request may wait. The first request of a batch that does not fit now is admitted
   * with a delay when it fits within this (a reservation, so that the fleet is served in the order
   * it asks), and the batch stops there. 0: admit only if it fits now.
   */
  readonly maxWaitMs: number;
}

/** One admitted request of a batch. */
export interface SharedGrant {
  /** Its concurrency lease, or null without a slot. */
  readonly leaseId: string | null;
  /** The request may start this many ms after the store's answer, not before (0: at once). */
  readonly delayMs: number;
}

/** The answer to an admission batch. */
export interface SharedAdmitReply {
  /** One entry per admitted request, in order (the first `admitted.length` of the batch). */
  readonly admitted: readonly SharedGrant[];
  /** A request was refused (the one after the admitted ones). */
  readonly refused: boolean;
  /** When a request was refused: ms until it would fit (by the store's clock). */
  readonly waitMs: number;
  /**
   * The dimension index, CONCURRENCY_INDEX or PAUSE_INDEX that refused a request or delayed the
   * last admitted one; -1 when none did.
   */
  readonly dimension: number;
  /** The store's clock when it decided (ms), if it says. */
  readonly storeTime?: number;
  /** Processes the store counts as live on this limiter, if asked and it says (the local share while it is down is 1 / this). */
  readonly liveProcesses?: number;
  /**
   * Units the fleet's admissions ever charged per dimension after this batch (indexed like
   * RATE_DIMENSIONS, NaN where not configured), if the store says: what the provider's figures
   * lack is read from them.
   */
  readonly charged?: readonly number[];
  /**
   * When asked for: what the fleet had started provider-delay before this batch, per dimension
   * (indexed like RATE_DIMENSIONS; NaN when not known): a lower bound, the base a figure on these
   * requests' responses is read against.
   */
  readonly base?: readonly number[];
}

/** One of a response's rate-limit figures, for the store to apply (see the admission script's 'follow'). */
export interface ProviderFigure {
  /** The dimension index (like RATE_DIMENSIONS). */
  readonly index: number;
  /** Units the provider says remain. */
  readonly remaining: number;
  /**
   * True: the figure lacks what the fleet admitted within the provider delay (subtracted), and
   * may raise the level as well as lower it. False: a bound that only lowers, taken as given.
   */
  readonly exact: boolean;
  /** The provider's refill (units per ms), when its limit is known. */
  readonly refillPerMs?: number;
  /** The most the provider's bucket holds (caps the refill). */
  readonly refillCap?: number;
  /** The fleet's charges on this dimension provider-delay before the request's admission, as this process last saw them (a lower bound). */
  readonly base?: number;
  /** When the store admitted the request, by the store's clock (ms). */
  readonly admittedAt?: number;
  /** The request's own charge on this dimension (the figure includes it). */
  readonly ownCost: number;
}

/** One limiter's state in a shared store. Every method rejects with an error of kind 'store' on failure. */
export interface SharedLimiterBackend {
  /**
   * `baseLeadMs`: also answer where the fleet stood that long before (see SharedAdmitReply.base);
   * undefined: not asked. `countLive` (default true): also count the live processes
   * (SharedAdmitReply.liveProcesses); false spares the store that work (the caller keeps its last count).
   */
  admit(batch: readonly SharedAdmitRequest[], baseLeadMs?: number, countLive?: boolean): Promise<SharedAdmitReply>;
  /**
   * Frees a lease (null: none) and reconciles usage (deltas indexed like RATE_DIMENSIONS; null:
   * none). `admittedAt`: when the store admitted the request (its clock); a refund is dropped where
   * the provider's figures set the level since (they hold its real charge).
   */
  settle(leaseId: string | null, deltas: ArrayLike<number> | null, admittedAt?: number): Promise<void>;
  /** Extends the named leases by the lease TTL; resolves to how many were still held. */
  renew(leaseIds: readonly string[]): Promise<number>;
  /** Ends the fleet's pause at once. */
  clearPause(): Promise<void>;
  /**
   * Applies a response's retry-after (ms; undefined: none) and rate-limit figures for the fleet, in
   * one call. `leadMs`: how long the caller's requests may take to reach the provider, what an exact
   * figure lacks (provider-lead.ts; default the spec's providerDelayMs).
   */
  follow(pauseMs: number | undefined, figures: readonly ProviderFigure[], leadMs?: number): Promise<void>;
  /** Registers this process as live for `ttlMs`; resolves to the number of live processes. */
  hello(processId: string, ttlMs: number): Promise<number>;
  /** The shared state now: units available per dimension (indexed like RATE_DIMENSIONS), leases held, pause left. */
  state(): Promise<SharedLimiterState>;
  /** True when another process was seen with different limits. */
  readonly configMismatch: boolean;
  /** Leases of crashed or stuck holders this process reclaimed. */
  readonly expiredSlots: number;
}

/** A snapshot of one limiter's shared state. */
export interface SharedLimiterState {
  /** Units available now, indexed like RATE_DIMENSIONS (NaN where not configured). */
  readonly levels: readonly number[];
  /** Leases held, by every process. */
  readonly inFlight: number;
  readonly pauseRemainingMs: number;
}

/** What a limiter does while the shared store does not answer. */
export type StoreFailMode = 'local' | 'open' | 'closed';

/** How a limiter uses a shared store; the store's options decide. */
export interface SharedStorePolicy {
  /** Default 'local': a local limiter holding this process's share of the limits. */
  readonly failMode: StoreFailMode;
  /** This process's share of the limits in local mode, in (0, 1]; undefined: 1 / live processes. */
  readonly localShare: number | undefined;
  /** While the store is down, how often to try it again (ms). */
  readonly probeIntervalMs: number;
  /** Lease TTL in the store (ms): a process killed mid-call frees its slots after it. */
  readonly leaseTtlMs: number;
  /** Most requests sent in one admission batch. */
  readonly maxBatch: number;
  /** How often a waiter held by concurrency asks again (ms): other processes' releases are not announced. */
  readonly concurrencyPollMs: number;
}

export interface SharedLimiterStore {
  readonly policy: SharedStorePolicy;
  /**
   * The shared circuit breaker state of `service`, for breakers that opt in (`circuitBreaker.shared:
   * true`). Typed loosely here (the limiter knows nothing of breakers): a SharedBreakerState.
   */
  breakerState?(service: string): unknown;
  /** The shared state of the limiter named `key`. */
  openShared(key: string, spec: LimiterSpec): SharedLimiterBackend;
}

/** True for stores whose state is shared through a round trip (Redis), false for the memory store. */
export function isSharedStore(store: unknown): store is SharedLimiterStore {
  return typeof store === 'object' && store !== null && typeof (store as Partial<SharedLimiterStore>).openShared === 'function';
}

/** Any store a limiter accepts: in this process (memory) or shared (Redis). */
export type AnyLimiterStore = LimiterStore | SharedLimiterStore;
