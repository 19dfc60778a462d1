/**
 * What a circuit breaker shares with the other processes of its fleet (opt-in per service), and
 * the contract of the store it shares it through (Redis: `RedisBreakerState` in `llm-resilience/redis`).
 *
 * Breakers stay local first: each process opens on its own evidence, and the fleet only adds hints.
 * A process that opens reports it (with how long it stays open); the others open (reason `remote`)
 * only when reports from a quorum of distinct processes are live, so one bad node cannot open the
 * fleet (App-vNext/Polly#287) while a real outage, which every node sees, stops it within a
 * refresh. Half-open probes take a fleet-wide token, so a fleet that half-opens together sends a
 * few probes, not one per process; the first process whose probes close its circuit publishes a
 * close, which clears the reports and lets the breakers the fleet opened (or that are half-open) close.
 */
import type { StoreError } from '../core/errors.js';

/** Reports listed in a {@link FleetView}, and so the largest quorum a breaker may ask for. */
export const MAX_SHARED_QUORUM = 16;

/**
 * The fleet as the store saw it when it answered one call. Store times are the store's own clock
 * (Redis `TIME`), comparable only with each other, never with a process's clock.
 */
export interface FleetView {
  /** The store's clock when it answered (ms). */
  readonly storeTimeMs: number;
  /** Live open reports of other processes (the caller's own report is never counted). */
  readonly openReports: number;
  /** Ms left on each of those reports, longest first, at most {@link MAX_SHARED_QUORUM} of them. */
  readonly openRemainingMs: readonly number[];
  /** Store time of the last close published (0 when none is remembered). */
  readonly closedAtMs: number;
  /** Probe tokens held across the fleet. */
  readonly probesInFlight: number;
}

/** The answer to {@link SharedBreakerState.acquireProbe}: a token to release after the probe, or null when none is free. */
export interface ProbeGrant {
  readonly token: string | null;
  readonly view: FleetView;
}

/**
 * One service's breaker state shared by a fleet, as seen by one process. Every method is one atomic
 * store operation that must settle within a bounded time (the Redis store has a per-call timeout)
 * and reject on failure; the breaker never awaits them on the call path, and a failure only makes
 * it run on local state until the store answers again. Every entry written expires by itself.
 */
export interface SharedBreakerState {
  /** The service whose breakers share this state (must be the breaker's name). */
  readonly service: string;
  /** This process's identity in the fleet (distinct processes count toward the quorum). */
  readonly processId: string;
  /** The fleet view, writing nothing. */
  read(): Promise<FleetView>;
  /** This process opened for `openMs`: its report replaces any earlier one and expires with it. */
  reportOpen(openMs: number): Promise<FleetView>;
  /**
   * This process's circuit closed after successful probes (or by hand): clears every report and
   * probe token, and remembers the close for `rememberMs` so breakers opened before it can close.
   */
  reportClosed(rememberMs: number): Promise<FleetView>;
  /** Takes a probe token if fewer than `maxInFlight` are held across the fleet; it expires after `ttlMs`. */
  acquireProbe(maxInFlight: number, ttlMs: number): Promise<ProbeGrant>;
  /** Returns a token (unknown or expired tokens are ignored). */
  releaseProbe(token: string): Promise<FleetView>;
}

/** A shared state's health changed (this process's calls to the store started or stopped failing). */
export interface SharedBreakerHealthEvent {
  readonly type: 'shared_breaker_health';
  readonly service: string;
  /** The clock's wall time. */
  readonly at: number;
  /** False: the breaker runs on local state only until the store answers again. */
  readonly healthy: boolean;
  /** The failure (when unhealthy): always a StoreError, never a rate-limit or circuit error. */
  readonly message?: string;
  readonly error?: StoreError;
  /** How long the store was unavailable (when healthy again), in ms. */
  readonly downMs?: number;
}

/** What {@link CircuitBreakerStats.shared} reports about the fleet link. */
export interface SharedBreakerStats {
  readonly processId: string;
  /** False after a store call failed and until one succeeds: the breaker runs on local state only. */
  readonly healthy: boolean;
  /** Reports of other processes needed to open this breaker. */
  readonly quorum: number;
  /** Live open reports of other processes in the last view (null when no recent view). */
  readonly openReports: number | null;
  /** Probe tokens held across the fleet in the last view (null when no recent view). */
  readonly fleetProbesInFlight: number | null;
  /** True while the circuit is open because the fleet's reports opened it (reason `remote`). */
  readonly openedByFleet: boolean;
  /** Store calls that failed since the breaker was created. */
  readonly storeFailures: number;
  /** The last failure (a `StoreError`'s message), or null. */
  readonly lastError: string | null;
  /** Wall time of the last view received, or null. */
  readonly lastSyncAt: number | null;
}
