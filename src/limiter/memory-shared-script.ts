/**
 * The Redis admission script's operations (src/redis/admission-script.ts) on a limiter's state in
 * memory: admit, settle, renew and state, one for one, so that a limiter sees the same answers
 * from a MemorySharedStore as from Redis ('follow' is in memory-shared-follow.ts). Each runs
 * atomically (nothing else runs in between), at `now` on the store's clock. The GCRA math is
 * gcra.ts's: the script inlines the same formulas.
 */
import { gcraAdmit, gcraCharge, gcraLevel, gcraWaitMs } from './gcra.js';
import { RATE_DIMENSIONS } from './dimensions.js';
import { CONCURRENCY_INDEX, PAUSE_INDEX } from './limiter-store.js';
import type { CallerSpec, MemoryLimiterKeys } from './memory-shared-keys.js';
import type { SharedAdmitReply, SharedAdmitRequest, SharedGrant } from './shared-store.js';

/** A wait under this is no wait (Redis TIME's resolution is 1 µs). */
const NO_WAIT_MS = 0.001;
/** Output tokens: their refund is the provider's own, at the end of the call, so never dropped. */
const OUTPUT_TOKENS = RATE_DIMENSIONS.indexOf('outputTokensPerMinute');

const notConfigured = (): number[] => new Array<number>(RATE_DIMENSIONS.length).fill(NaN);

/** The worst wait over the rate dimensions for `costs`, and the dimension that sets it (-1: none). */
export function worstWait(keys: MemoryLimiterKeys, spec: CallerSpec, costs: ArrayLike<number>, now: number): { waitMs: number; dimension: number } {
  let waitMs = 0;
  let dimension = -1;
  for (const i of spec.order) {
    const wait = gcraWaitMs(keys.tat[i]!, spec.interval[i]!, spec.tolerance[i]!, costs[i] ?? 0, now, spec.lead);
    if (wait > NO_WAIT_MS && wait > waitMs) {
      waitMs = wait;
      dimension = i;
    }
  }
  return { waitMs, dimension };
}

/** The reply, and how many expired leases this call reclaimed (the caller counts them). */
export interface AdmitOutcome {
  readonly reply: SharedAdmitReply;
  readonly reclaimed: number;
}

/**
 * A batch, in queue order, stopping at the first request that does not fit now. That request,
 * when it fits within its maxWait, is admitted with a delay (a reservation) and the batch stops
 * there. `maxWaitMs` is in [0, Infinity]; `newLeaseId` names a lease taken. The live processes
 * are counted only when `countLive`.
 */
export function admit(
  keys: MemoryLimiterKeys,
  spec: CallerSpec,
  batch: readonly SharedAdmitRequest[],
  baseLeadMs: number | undefined,
  countLive: boolean,
  now: number,
  newLeaseId: () => string,
): AdmitOutcome {
  const liveProcesses = countLive ? keys.liveProcesses(now) : undefined;
  // Where the fleet stood provider-delay before this batch, read before it changes anything.
  let base: number[] | undefined;
  if (baseLeadMs !== undefined) {
    base = notConfigured();
    const snapshot = keys.snapshotAt(now - Math.max(0, baseLeadMs));
    if (snapshot) for (const i of spec.order) base[i] = snapshot.started[i]!;
  }
  let reservationsChanged = keys.pruneReservations(now);
  const admitted: SharedGrant[] = [];
  let reclaimed = 0;
  // Leases are only read (and expired ones reclaimed) once a request of the batch wants one.
  let inUse: number | undefined;
  let refusal: { waitMs: number; dimension: number } | undefined;
  let dimension = -1;
  let longestDelay = -1;
  for (const request of batch) {
    let delay = 0;
    if (request.slot && inUse === undefined) {
      reclaimed = keys.reclaimLeases(now);
      inUse = keys.leases.size;
    }
    if (!request.force) {
      if (keys.pauseUntil > now) {
        refusal = { waitMs: keys.pauseUntil - now, dimension: PAUSE_INDEX };
        break;
      }
      const worst = worstWait(keys, spec, request.costs, now);
      if (worst.waitMs > request.maxWaitMs) {
        refusal = worst;
        break;
      }
      if (request.slot && inUse! >= spec.maxConcurrent) {
        refusal = { waitMs: keys.firstLeaseExpiry() - now, dimension: CONCURRENCY_INDEX };
        break;
      }
      delay = worst.waitMs;
      if (delay > 0) dimension = worst.dimension;
    }
    // Charged as the admission the limiter would make at its start (now + delay).
    for (const i of spec.order) {
      const cost = request.costs[i] ?? 0;
      keys.tat[i] = gcraAdmit(keys.tat[i]!, spec.interval[i]!, spec.tolerance[i]!, cost, now + delay, spec.lead);
      keys.charged[i] = keys.charged[i]! + cost;
    }
    let leaseId: string | null = null;
    if (request.slot) {
      leaseId = newLeaseId();
      keys.addLease(leaseId, now + delay + spec.leaseTtlMs);
      inUse!++;
      if (delay > longestDelay) longestDelay = delay;
    }
    admitted.push({ leaseId, delayMs: delay });
    if (delay > 0) {
      // One reservation per batch: the rest of the queue stays in the process, where priorities can still reorder it.
      keys.addReservation(now + delay, request.costs, spec);
      reservationsChanged = true;
      break;
    }
  }
  // This moment's snapshot of the started charges, for figures read against the fleet's transit.
  if (admitted.length > 0) keys.recordStarted(spec, now);
  if (admitted.length > 0 || reservationsChanged) keys.keepForState(spec, now);
  if (longestDelay >= 0) keys.extendLeases(spec.leaseTtlMs + longestDelay, now);
  const charged = notConfigured();
  for (const i of spec.order) charged[i] = keys.started(i);
  const reply: SharedAdmitReply = {
    admitted,
    refused: refusal !== undefined,
    waitMs: refusal?.waitMs ?? 0,
    dimension: refusal?.dimension ?? dimension,
    storeTime: now,
    liveProcesses,
    charged,
    base,
  };
  return { reply, reclaimed };
}

/**
 * Frees a lease (null: none; true when it was held) and reconciles usage: positive deltas debit,
 * negative refund, never above a full bucket. A refund of a request admitted (`admittedAt`) before
 * the provider's figures last set the level is dropped: they hold what it was really charged, and
 * the refund would count the difference twice (output tokens aside).
 */
export function settle(keys: MemoryLimiterKeys, spec: CallerSpec, leaseId: string | null, deltas: ArrayLike<number> | null, admittedAt: number | undefined, now: number): boolean {
  const released = leaseId !== null && keys.leases.delete(leaseId);
  let changed = false;
  if (deltas) {
    for (const i of spec.order) {
      let delta = deltas[i] ?? 0;
      if (delta < 0 && admittedAt !== undefined && i !== OUTPUT_TOKENS && keys.synced[i]! >= admittedAt) delta = 0;
      if (delta === 0) continue;
      keys.tat[i] = gcraCharge(keys.tat[i]!, spec.interval[i]!, delta, now);
      changed = true;
    }
  }
  if (changed) keys.keepForState(spec, now);
  return released;
}

/** Extends every live lease named by the lease TTL from now (an expired one is dropped); returns how many were renewed. */
export function renew(keys: MemoryLimiterKeys, spec: CallerSpec, leaseIds: readonly string[], now: number): number {
  let renewed = 0;
  for (const id of leaseIds) {
    const expiresAt = keys.leases.get(id);
    if (expiresAt === undefined) continue;
    if (expiresAt > now) {
      keys.leases.set(id, now + spec.leaseTtlMs);
      renewed++;
    } else {
      keys.leases.delete(id);
    }
  }
  if (renewed > 0) keys.extendLeases(spec.leaseTtlMs, now);
  return renewed;
}

/** A snapshot: levels per dimension (NaN where not configured), leases held, pause left. */
export interface MemorySharedState {
  readonly levels: readonly number[];
  readonly inFlight: number;
  /** Ms until the earliest lease expires (Infinity when none). */
  readonly nextLeaseExpiryMs: number;
  readonly pauseRemainingMs: number;
}

export function state(keys: MemoryLimiterKeys, spec: CallerSpec, now: number): MemorySharedState {
  const levels = notConfigured();
  for (const i of spec.order) levels[i] = gcraLevel(keys.tat[i]!, spec.interval[i]!, spec.tolerance[i]!, now);
  const leases = keys.liveLeases(now);
  return {
    levels,
    inFlight: leases.count,
    nextLeaseExpiryMs: leases.earliest - now,
    pauseRemainingMs: keys.pauseUntil > now ? keys.pauseUntil - now : 0,
  };
}
