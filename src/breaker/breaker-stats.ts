/** What a circuit breaker reports about itself (a snapshot; reading it never changes the counts). */
import type { CircuitState } from '../core/events.js';
import type { SharedBreakerStats } from './shared-breaker-state.js';

/** A snapshot of one {@link CircuitBreaker}. Times named `...Time`/`...At` are wall-clock ms since the epoch. */
export interface CircuitBreakerStats {
  readonly name: string;
  readonly state: CircuitState;
  /** Failures weighed toward opening now: consecutive failures (consecutive mode) or failures in the sampling window (ratio mode). */
  readonly failureCount: number;
  /** Successes since the last state change; while half-open, the probes that succeeded (toward `successThreshold`). */
  readonly successCount: number;
  /** Wall time of the last counted failure, or null if there has been none. */
  readonly lastFailureTime: number | null;
  /** Wall time the circuit last opened (or was isolated); null while closed. */
  readonly openedAt: number | null;
  /** While open: ms until probes are let through. Null otherwise (closed, half-open, isolated). */
  readonly nextProbeInMs: number | null;
  /** The current open duration: `openMs`, grown by `openBackoffFactor` per trip without closing, capped at `maxOpenMs`. */
  readonly openMs: number;
  /** Trips since the circuit last closed (what the open time grows with). */
  readonly trips: number;
  /** Counted failures in a row, in any state; a success in the current state resets it. */
  readonly consecutiveFailures: number;
  /** Probes in flight while half-open (at most `halfOpenMaxCalls`); 0 otherwise. */
  readonly probesInFlight: number;
  /** Calls and slow calls in the sampling window (0 when no window is kept: consecutive mode without slow-call detection). */
  readonly windowCalls: number;
  readonly windowSlowCalls: number;
  /** Lifetime counters (never reset, for metrics): outcomes reported, including stale ones. */
  readonly totalFailures: number;
  readonly totalSuccesses: number;
  /** Errors that did not count (client errors, rate limits, aborts, ...) and calls released without an outcome. */
  readonly totalIgnored: number;
  /** Calls refused without being made (open, isolated, or half-open with every probe slot taken). */
  readonly rejected: number;
  /** State changes since the breaker was created. */
  readonly transitions: number;
  /** The fleet link, only when the breaker has a `shared` state: its health and the fleet's last view. */
  readonly shared?: SharedBreakerStats;
}
