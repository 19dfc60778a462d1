/**
 * What a provider's limits allow a run, in requests of the run's own size, on the binding
 * dimension: for a continuously refilled bucket its burst plus its refill over the run; for a
 * fixed-window limit, the whole limit of every calendar window the run touched. Requests are
 * counted at the size the provider charged them (the ledger's average), so a cheaper charge
 * model allows more requests.
 */

/** One limit of the key, with what the provider charged a request on it. */
export interface LimitUse {
  /** Per minute. */
  limit: number;
  /** Bucket capacity (continuous buckets only). */
  burst: number;
  /** Average charge of one request on this dimension (1 for requests). */
  perRequest: number;
  /** Counted in fixed calendar minutes rather than a continuous bucket. */
  fixedMinute?: boolean;
}

const MINUTE_MS = 60_000;

/** Calendar minutes (of a wall clock) that [startWallMs, endWallMs] touches. */
export function minutesTouched(startWallMs: number, endWallMs: number): number {
  return Math.floor(endWallMs / MINUTE_MS) - Math.floor(startWallMs / MINUTE_MS) + 1;
}

/** Requests the limits allow over a run of `elapsedMs` starting at `startWallMs` (fixed windows need the wall time). */
export function allowedRequests(limits: readonly LimitUse[], elapsedMs: number, startWallMs = 0): number {
  let allowed = Infinity;
  for (const { limit, burst, perRequest, fixedMinute } of limits) {
    if (!(perRequest > 0)) continue;
    const units = fixedMinute ? limit * minutesTouched(startWallMs, startWallMs + elapsedMs) : burst + (limit * elapsedMs) / MINUTE_MS;
    allowed = Math.min(allowed, units / perRequest);
  }
  return allowed;
}
