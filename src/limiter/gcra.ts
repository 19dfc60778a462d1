/**
 * Continuous token bucket in GCRA form (the Generic Cell Rate Algorithm): one number per bucket,
 * the "theoretical arrival time" (TAT). A bucket of `burst` units refilled at one unit per
 * `intervalMs` is full when TAT <= now; admitting `cost` units moves TAT by `cost * intervalMs`;
 * a request fits when the new TAT is at most `burst * intervalMs` ahead of now. This gives
 * exactly: over any interval of length T, admitted units <= burst + T / intervalMs.
 * No timers and no per-request state: waits are computed, not polled.
 */

/**
 * Milliseconds until `cost` units fit (0 when they fit now). `leadMs` is the expected delay until
 * the provider's own admission: while our bucket is (nearly) full the provider's is too, and the
 * refill during that delay is lost on its side, so it is charged here up front.
 */
export function gcraWaitMs(tat: number, intervalMs: number, toleranceMs: number, cost: number, now: number, leadMs = 0): number {
  const lead = effectiveLead(leadMs, toleranceMs, cost * intervalMs);
  // Relative to now: (now + x) - now is not always x in floating point, and a full bucket must admit its burst.
  const ahead = tat > now + lead ? tat - now : lead;
  const wait = ahead + cost * intervalMs - toleranceMs;
  return wait > 0 ? wait : 0;
}

/** The TAT after admitting `cost` units (see {@link gcraWaitMs} for `leadMs`). */
export function gcraAdmit(tat: number, intervalMs: number, toleranceMs: number, cost: number, now: number, leadMs = 0): number {
  const start = now + effectiveLead(leadMs, toleranceMs, cost * intervalMs);
  return (tat > start ? tat : start) + cost * intervalMs;
}

/**
 * The lead charged from a full bucket: at most what the bucket holds beyond the request. A bucket
 * of one request (xAI's per-second cap) with a 100 ms lead would otherwise never admit anything:
 * lead + cost would always exceed its capacity.
 */
function effectiveLead(leadMs: number, toleranceMs: number, costMs: number): number {
  const room = toleranceMs - costMs;
  return leadMs < room ? leadMs : room > 0 ? room : 0;
}

/** The TAT after a reconciliation of `cost` units (negative cost refunds, never above a full bucket). */
export function gcraCharge(tat: number, intervalMs: number, cost: number, now: number): number {
  const next = (tat > now ? tat : now) + cost * intervalMs;
  return next > now ? next : now;
}

/** Units available now (negative when the bucket is in debt after a reconciliation). */
export function gcraLevel(tat: number, intervalMs: number, toleranceMs: number, now: number): number {
  return (toleranceMs - ((tat > now ? tat : now) - now)) / intervalMs;
}

/** The TAT that leaves exactly `level` units available now. */
export function gcraTatForLevel(level: number, intervalMs: number, toleranceMs: number, now: number): number {
  return now + toleranceMs - level * intervalMs;
}
