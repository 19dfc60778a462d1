/**
 * The admission script's 'follow' (src/redis/admission-script.ts) in memory: a response's
 * retry-after and rate-limit figures for the whole fleet, in one atomic call.
 *
 * A figure lacks what the fleet started within the provider delay and every reservation not
 * started yet (the transit ring and the charged totals say how much, every process's admissions
 * included). It is read two ways: as the response left, it lacks all of that; as the provider
 * admitted the request, it lacks what the fleet admitted since provider-delay before the request,
 * less the request itself, but the refill since is owed too. A level above both readings falls to
 * the higher one, below both rises to the lower one (the script says why: across a fleet the lower
 * reading of a long call counts every process's admissions during it).
 */
import { gcraLevel, gcraTatForLevel } from './gcra.js';
import type { CallerSpec, MemoryLimiterKeys } from './memory-shared-keys.js';
import type { ProviderFigure } from './shared-store.js';

/** A level within this of a reading is left alone (the script's +-1 unit). */
const TOLERANCE_UNITS = 1;

/** Applies a retry-after (ms, already capped; undefined: none) and the figures; returns how many levels moved. */
export function follow(keys: MemoryLimiterKeys, spec: CallerSpec, pauseMs: number | undefined, figures: readonly ProviderFigure[], readLeadMs: number, now: number): number {
  if (pauseMs !== undefined) {
    const until = now + Math.max(0, pauseMs);
    if (until > keys.pauseUntil) {
      keys.pauseUntil = until;
      keys.keepUntil(until);
    }
  }
  let moved = 0;
  let written = false;
  for (const figure of figures) {
    const i = figure.index;
    if (!spec.order.includes(i)) continue;
    // Lowered as the configured lead says, raised only as far as the caller's (learned) lead allows (provider-state.ts).
    const { high, low: lowAtFloor } = readings(keys, figure, spec.lead, now);
    const readLead = Math.max(0, readLeadMs);
    const low = readLead === spec.lead ? lowAtFloor : readings(keys, figure, readLead, now).low;
    const level = gcraLevel(keys.tat[i]!, spec.interval[i]!, spec.tolerance[i]!, now);
    let target: number | undefined;
    if (level > high + TOLERANCE_UNITS) target = high;
    else if (low !== undefined && level < low - TOLERANCE_UNITS) target = low;
    if (target !== undefined && setLevel(keys, spec, i, target, now)) moved++;
    // Read both ways (against the configured lead), the figure holds what the provider really
    // charged every request admitted before it (whether or not the level moved): their refunds
    // would count it twice (a provider charging max-of refunds nothing).
    if (target !== undefined || lowAtFloor !== undefined) {
      keys.synced[i] = now;
      written = true;
    }
  }
  if (moved > 0 || written) keys.keepForState(spec, now);
  return moved;
}

/**
 * The two readings of a figure against `lead`: `low` only when it can be read as at the request's
 * admission, which needs the ring to reach back `lead` (a learned lead longer than that: no raise).
 */
function readings(keys: MemoryLimiterKeys, figure: ProviderFigure, lead: number, now: number): { high: number; low: number | undefined } {
  const i = figure.index;
  const remaining = figure.remaining;
  // A bound taken as given; and without a provider delay nothing says what is still travelling: it only lowers.
  if (!figure.exact || !(lead > 0)) return { high: remaining, low: undefined };
  const charged = keys.charged[i]!;
  // As the response left: less everything charged since provider-delay ago, reservations included.
  const fresh = keys.startedBy(i, now - lead);
  const admittedAt = finite(figure.admittedAt);
  // The figure holds its own request (it was served): started within the delay, it is not travelling.
  const own = admittedAt !== undefined && admittedAt > now - lead ? figure.ownCost : 0;
  const asLeft = fresh === undefined ? remaining : remaining - Math.max(0, charged - fresh - own);
  if (fresh === undefined || admittedAt === undefined) return { high: asLeft, low: undefined };
  // As the provider admitted the request: what the fleet had started provider-delay before it, the
  // higher of what the caller saw and the ring (both lower bounds).
  let base = finite(figure.base) ?? -Infinity;
  const ringBase = keys.startedBy(i, admittedAt - lead);
  if (ringBase !== undefined && ringBase > base) base = ringBase;
  if (!(base > -Infinity && base <= charged)) return { high: asLeft, low: undefined };
  const since = Math.max(0, charged - base - figure.ownCost);
  let atAdmission = remaining;
  const rate = finite(figure.refillPerMs);
  const ago = now - admittedAt;
  if (rate !== undefined && ago > lead) atAdmission = Math.min(remaining + rate * (ago - lead), finite(figure.refillCap) ?? Infinity);
  atAdmission -= since;
  return atAdmission > asLeft ? { high: atAdmission, low: asLeft } : { high: asLeft, low: atAdmission };
}

/** Sets dimension i's level to `units` (capped by its bucket); false when it is there already. */
function setLevel(keys: MemoryLimiterKeys, spec: CallerSpec, i: number, units: number, now: number): boolean {
  const capacity = spec.tolerance[i]! / spec.interval[i]!;
  const tat = gcraTatForLevel(units < capacity ? units : capacity, spec.interval[i]!, spec.tolerance[i]!, now);
  if (tat === keys.tat[i] || (tat <= now && keys.tat[i]! <= now)) return false;
  keys.tat[i] = tat;
  return true;
}

/** The Redis backend sends a non-finite number as '' (unknown). */
function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}
