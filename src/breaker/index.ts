/** The circuit breaker: state machine, options, stats, and the policies that decide when to open. */
export { CircuitBreaker, type BreakerStateChangeEvent, type BreakerTransitionReason } from './circuit-breaker.js';
export { CIRCUIT_BREAKER_DEFAULTS, countsForBreaker, resolveBreakerOptions, type CircuitBreakerOptions, type ResolvedBreakerOptions } from './breaker-options.js';
export type { CircuitBreakerStats } from './breaker-stats.js';
export { ConsecutiveFailuresPolicy, FailureRatioPolicy, SlowCallPolicy, createTripPolicies, type TripPolicies, type TripPolicy, type TripReason } from './trip-policies.js';
export { RollingWindow } from './rolling-window.js';
export { HalfOpenProbes } from './half-open-probes.js';
export {
  MAX_SHARED_QUORUM,
  type FleetView,
  type ProbeGrant,
  type SharedBreakerHealthEvent,
  type SharedBreakerState,
  type SharedBreakerStats,
} from './shared-breaker-state.js';
