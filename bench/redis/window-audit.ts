/**
 * Over-admission audit of merged admission timestamps (ms, sorted ascending): the most admissions
 * found in any window against what a limit allows in a window of that length. Pure functions.
 *
 * A bound is `allowed(w)`, the most admissions a limit permits in any window of length w ms:
 * - a token bucket of capacity B refilled at r per ms: B + r·w (continuous);
 * - bottleneck's reservoir, raised by `a` every P ms up to B: B + a·(⌊w/P⌋ + 1) (a step function);
 * - a fixed window (rate-limiter-flexible): `points` per window, checked per window, not sliding.
 *
 * `slackMs` widens every window by that much before judging it: a worker timestamps an admission
 * when the reply reaches it, not when Redis decided, so two timestamps can be closer together (or
 * further apart) than the decisions were by that delivery jitter.
 */

/** The worst window found: `excess` = admitted − allowed (≤ 0 when the limit held everywhere). */
export interface WindowFinding {
  excess: number;
  admitted: number;
  allowed: number;
  /** The window, ms from the first admission. */
  fromMs: number;
  toMs: number;
}

/** Whole admissions beyond the allowance in the worst window (0 when it held). */
export const overAdmitted = (finding: WindowFinding): number => Math.max(0, Math.ceil(finding.excess - 1e-9));

const EMPTY: WindowFinding = { excess: -Infinity, admitted: 0, allowed: 0, fromMs: 0, toMs: 0 };

/**
 * Token bucket, B + r·w: excess(i, j) = (j − i + 1) − B − r·(t_j − t_i)
 * = [(j + 1) − r·t_j] − [i − r·t_i] − B, so one pass keeping the smallest i − r·t_i finds the worst pair.
 */
export function worstBucketWindow(times: readonly number[], capacity: number, perMs: number, slackMs = 0): WindowFinding {
  if (times.length === 0) return EMPTY;
  const allowedAtZero = capacity + perMs * slackMs;
  const t0 = times[0]!;
  let best = EMPTY;
  let minValue = Infinity;
  let minAt = 0;
  for (let j = 0; j < times.length; j++) {
    const value = j - perMs * (times[j]! - t0);
    if (value < minValue) {
      minValue = value;
      minAt = j;
    }
    const excess = j + 1 - perMs * (times[j]! - t0) - minValue - allowedAtZero;
    if (excess > best.excess) {
      const w = times[j]! - times[minAt]!;
      best = { excess, admitted: j - minAt + 1, allowed: allowedAtZero + perMs * w, fromMs: times[minAt]! - t0, toMs: times[j]! - t0 };
    }
  }
  return best;
}

/**
 * Step bound B + a·(⌊w/P⌋ + 1): for each k, windows shorter than (k + 1)·P are allowed B + a·(k + 1);
 * the busiest such window is found with two pointers. k runs up to the span of the run.
 */
export function worstSteppedWindow(times: readonly number[], capacity: number, step: number, periodMs: number, slackMs = 0): WindowFinding {
  if (times.length === 0) return EMPTY;
  const t0 = times[0]!;
  const steps = Math.floor((times[times.length - 1]! - t0) / periodMs) + 1;
  let best = EMPTY;
  for (let k = 0; k < steps; k++) {
    const length = (k + 1) * periodMs - slackMs;
    const allowed = capacity + step * (k + 1);
    let i = 0;
    for (let j = 0; j < times.length; j++) {
      while (times[j]! - times[i]! >= length) i++;
      const excess = j - i + 1 - allowed;
      if (excess > best.excess) best = { excess, admitted: j - i + 1, allowed, fromMs: times[i]! - t0, toMs: times[j]! - t0 };
    }
  }
  return best;
}

/**
 * Fixed windows: admissions grouped by the window their limiter said they fell in (the window's
 * end as reported with each admission; ends closer than `sameWindowMs` are one window).
 */
export function worstFixedWindow(admissions: ReadonlyArray<{ at: number; windowEnd: number }>, points: number, sameWindowMs: number): WindowFinding & { windows: number } {
  if (admissions.length === 0) return { ...EMPTY, windows: 0 };
  const t0 = Math.min(...admissions.map((a) => a.at));
  const byEnd = [...admissions].sort((a, b) => a.windowEnd - b.windowEnd);
  let best = EMPTY;
  let windows = 0;
  let start = 0;
  for (let j = 0; j <= byEnd.length; j++) {
    if (j < byEnd.length && byEnd[j]!.windowEnd - byEnd[start]!.windowEnd < sameWindowMs) continue;
    const group = byEnd.slice(start, j);
    windows++;
    const excess = group.length - points;
    if (excess > best.excess) {
      const ats = group.map((a) => a.at);
      best = { excess, admitted: group.length, allowed: points, fromMs: Math.min(...ats) - t0, toMs: Math.max(...ats) - t0 };
    }
    start = j;
  }
  return { ...best, windows };
}
