/**
 * Part B's shared limit, written in each library's own terms so that every nominal limit is the
 * same (`capacity` admissions per `windowMs`), and the bound each configuration promises.
 */

export const FLEET_LIMITERS = ['llm-resilience', 'rate-limiter-flexible', 'bottleneck'] as const;
export type FleetLimiter = (typeof FLEET_LIMITERS)[number];

export interface FleetPlan {
  workers: number;
  /** Concurrent callers in each worker, each admitting in a loop as fast as it is let. */
  callersPerWorker: number;
  durationMs: number;
  /** The limit: `capacity` admissions per `windowMs`, and a bucket (or reservoir) of `capacity`. */
  capacity: number;
  windowMs: number;
  /** Bottleneck's reservoir is raised in steps of this period (its `reservoirIncreaseInterval`). */
  bottleneckStepMs: number;
}

export const DEFAULT_FLEET_PLAN: FleetPlan = { workers: 4, callersPerWorker: 8, durationMs: 12_000, capacity: 120, windowMs: 10_000, bottleneckStepMs: 1_000 };

/** Ours: a bucket of `capacity` refilled continuously at capacity/windowMs (GCRA). */
export function ourFleetLimits(plan: FleetPlan) {
  return { name: 'fleet', requestsPerMinute: (plan.capacity * 60_000) / plan.windowMs, burst: { requestsPerMinute: plan.capacity } };
}

/** rate-limiter-flexible: `points` per fixed window of `duration` s, starting at the window's first consume. */
export function flexibleFleetOptions(plan: FleetPlan) {
  return { points: plan.capacity, duration: plan.windowMs / 1000 };
}

/**
 * bottleneck: a reservoir of `capacity`, raised by capacity·step/windowMs every `step` ms up to
 * `capacity` (its token bucket, in steps); no concurrency cap, no minimum spacing.
 */
export function bottleneckFleetOptions(plan: FleetPlan) {
  return {
    reservoir: plan.capacity,
    reservoirIncreaseAmount: (plan.capacity * plan.bottleneckStepMs) / plan.windowMs,
    reservoirIncreaseInterval: plan.bottleneckStepMs,
    reservoirIncreaseMaximum: plan.capacity,
    maxConcurrent: null,
    minTime: 0,
  };
}

/** The refill rate of the common nominal limit, per ms. */
export const perMs = (plan: FleetPlan): number => plan.capacity / plan.windowMs;

/** Admissions the common nominal limit (a token bucket) allows over a run of `ms`: B + r·ms. */
export const bucketAllowance = (plan: FleetPlan, ms: number): number => plan.capacity + perMs(plan) * ms;

/** How each configuration's own promise reads, for the report. */
export function promise(limiter: FleetLimiter, plan: FleetPlan): string {
  const b = plan.capacity;
  const r = perMs(plan) * 1000;
  switch (limiter) {
    case 'llm-resilience':
      return `token bucket: ≤ ${b} + ${r}/s × w in any window w`;
    case 'rate-limiter-flexible':
      return `fixed window: ≤ ${b} per ${plan.windowMs / 1000} s window (a window starts at its first consume)`;
    case 'bottleneck':
      return `reservoir +${bottleneckFleetOptions(plan).reservoirIncreaseAmount} every ${plan.bottleneckStepMs} ms up to ${b}: ≤ ${b} + ${bottleneckFleetOptions(plan).reservoirIncreaseAmount} × (⌊w / ${plan.bottleneckStepMs} ms⌋ + 1) in any window w`;
  }
}
