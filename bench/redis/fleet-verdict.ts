/** Judges one fleet run: over-admission against the limiter's own promise and the common nominal limit, and how much of the allowance it used. */
import { bottleneckFleetOptions, bucketAllowance, type FleetLimiter, type FleetPlan, perMs, promise } from './fleet-config.js';
import type { FleetRun } from './fleet-run.js';
import { overAdmitted, type WindowFinding, worstBucketWindow, worstFixedWindow, worstSteppedWindow } from './window-audit.js';

/**
 * Delivery jitter allowed between Redis's decision and the worker's timestamp: the time the limit
 * takes to refill 0.48 of an admission (40 ms at 12 a second). Jitter below it can neither fake a
 * whole extra admission nor hide a real one.
 */
export const jitterMs = (plan: FleetPlan): number => 0.48 / perMs(plan);
/** rate-limiter-flexible window ends closer than this are one window (they are windowMs apart). */
const SAME_WINDOW_MS = 1_000;

export interface FleetVerdict {
  limiter: FleetLimiter;
  promise: string;
  /** Admissions within the run (start to deadline), and per worker (all admissions). */
  admitted: number;
  perWorker: number[];
  /** admitted / what the common nominal limit allows over the run (B + r·duration). */
  usedOfNominal: number;
  /** Against the limiter's own promise: raw (no jitter allowance) and judged (windows widened by jitterMs). */
  ownRaw: WindowFinding;
  own: WindowFinding;
  ownOverAdmitted: number;
  /** Against the common nominal limit, a token bucket of `capacity` refilled at capacity/windowMs. */
  nominal: WindowFinding;
  nominalOverAdmitted: number;
  failures: number;
  firstFailure: string | undefined;
  killedWorkers: number;
  keysDeleted: number;
  /** Every admission, ms from the start (0.1 ms), for re-auditing from the JSON. */
  timelineMs: number[];
}

function ownFinding(run: FleetRun, plan: FleetPlan, slackMs: number): WindowFinding {
  switch (run.limiter) {
    case 'llm-resilience':
      return worstBucketWindow(run.admissions, plan.capacity, perMs(plan), slackMs);
    case 'rate-limiter-flexible':
      // Windows are the limiter's own (each admission says which): no timestamps compared, no jitter.
      return worstFixedWindow(run.windows, plan.capacity, SAME_WINDOW_MS);
    case 'bottleneck':
      return worstSteppedWindow(run.admissions, plan.capacity, bottleneckFleetOptions(plan).reservoirIncreaseAmount, plan.bottleneckStepMs, slackMs);
  }
}

export function judge(run: FleetRun, plan: FleetPlan): FleetVerdict {
  const own = ownFinding(run, plan, jitterMs(plan));
  const nominal = worstBucketWindow(run.admissions, plan.capacity, perMs(plan), jitterMs(plan));
  const admitted = run.admissions.filter((at) => at <= run.startMs + plan.durationMs).length;
  return {
    limiter: run.limiter,
    promise: promise(run.limiter, plan),
    admitted,
    perWorker: run.perWorker,
    usedOfNominal: admitted / bucketAllowance(plan, plan.durationMs),
    ownRaw: ownFinding(run, plan, 0),
    own,
    ownOverAdmitted: overAdmitted(own),
    nominal,
    nominalOverAdmitted: overAdmitted(nominal),
    failures: run.failures,
    firstFailure: run.firstFailure,
    killedWorkers: run.killed,
    keysDeleted: run.keysDeleted,
    timelineMs: run.admissions.map((at) => Math.round((at - run.startMs) * 10) / 10),
  };
}
