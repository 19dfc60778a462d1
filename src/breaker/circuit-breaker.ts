/**
 * The circuit breaker state machine: closed → open → half_open → closed (or back to open), plus
 * isolated by hand. No timers: time-driven transitions (open elapsed, hung probe) happen lazily
 * when a permit is requested or the state is read. Whether to open lives in `trip-policies.ts`;
 * what the fleet may add (opt-in `shared` state) lives in `fleet-link.ts`.
 */
import { classifyError } from '../core/classify.js';
import type { Clock } from '../core/clock.js';
import { CircuitBreakerError, ConfigError } from '../core/errors.js';
import { type CircuitState, EventChannel, type ResilienceEvent } from '../core/events.js';
import { type CircuitBreakerOptions, type ResolvedBreakerOptions, resolveBreakerOptions } from './breaker-options.js';
import type { CircuitBreakerStats } from './breaker-stats.js';
import { FleetLink } from './fleet-link.js';
import { HalfOpenProbes } from './half-open-probes.js';
import type { SharedBreakerHealthEvent } from './shared-breaker-state.js';
import { createTripPolicies, type TripPolicy } from './trip-policies.js';

/**
 * The event a breaker emits on every state change. `failures` is what opened it: consecutive
 * failures (`failures`, `probe_failed`, `probe_timeout`), failures in the window (`failure_ratio`),
 * slow calls in the window or 1 slow probe (`slow_calls`), other processes' open reports
 * (`remote`); 0 when it did not open. `remote`: the fleet's shared state opened or closed it.
 */
export type BreakerStateChangeEvent = Extract<ResilienceEvent, { type: 'breaker_state_change' }>;
/** Why the state changed. */
export type BreakerTransitionReason = BreakerStateChangeEvent['reason'];

/**
 * Fails fast while a service is unhealthy. Direct users call {@link execute}; the pipeline uses the
 * allocation-free permit protocol: `tryAcquirePermit()`, then `onSuccess`/`onFailure`/`onIgnored`.
 *
 * ```ts
 * const breaker = new CircuitBreaker('openai', { failureThreshold: 5, openMs: 60_000 });
 * const reply = await breaker.execute(() => openai.chat.completions.create(request));
 * ```
 */
export class CircuitBreaker {
  // First what a permitted, successful call reads and writes (with thousands of breakers, every
  // cache line and object it touches is a miss of its own).
  private current: CircuitState = 'closed';
  /** Undefined when the breaker is local only (no `shared` option). */
  private readonly fleet: FleetLink | undefined;
  /** Bumped on every transition and reset: an outcome carrying an older epoch is stale. */
  private epoch = 0;
  /** Whether recording an outcome needs the time or the call's duration (see TripPolicies). */
  private readonly usesTime: boolean;
  private consecutiveFailures = 0;
  private successesInState = 0;
  private totalSuccesses = 0;
  /** The trip policies (trip-policies.ts), held here rather than in their TripPolicies object. */
  private readonly failures: TripPolicy;
  private readonly slowCalls: TripPolicy | undefined;
  /** Every state change, in order; `at` is the clock's wall time. */
  readonly onStateChange = new EventChannel<BreakerStateChangeEvent>();
  /** Health changes of the `shared` state's store (never emits without one). */
  readonly onSharedHealth: EventChannel<SharedBreakerHealthEvent>;
  private readonly options: ResolvedBreakerOptions;
  private readonly clock: Clock;
  private readonly probes: HalfOpenProbes;
  private openedAtMs = 0;
  private openedAtWallMs: number | null = null;
  /** How long the current open lasts: the grown trip time, or what the fleet asked for. */
  private openMs: number;
  /** The open time that grows by openBackoffFactor per trip (fleet openings neither use nor grow it). */
  private tripOpenMs: number;
  private trips = 0;
  private lastFailureWallMs: number | null = null;
  private totalFailures = 0;
  private totalIgnored = 0;
  private rejected = 0;
  private transitions = 0;

  constructor(
    readonly name: string,
    options?: CircuitBreakerOptions,
  ) {
    if (typeof name !== 'string' || name === '') throw new ConfigError('circuitBreaker.name', name, 'a non-empty string');
    this.options = resolveBreakerOptions(options);
    this.clock = this.options.clock;
    ({ failures: this.failures, slowCalls: this.slowCalls, usesTime: this.usesTime } = createTripPolicies(this.options));
    this.probes = new HalfOpenProbes(this.options.halfOpenMaxCalls);
    this.openMs = this.tripOpenMs = this.options.openMs;
    const { shared } = this.options;
    if (shared !== undefined && shared.service !== name) {
      throw new ConfigError('circuitBreaker.shared', shared.service, `the shared state of service '${name}' (one per service)`);
    }
    this.fleet =
      shared &&
      new FleetLink(
        shared,
        {
          quorum: this.options.sharedQuorum,
          refreshMs: this.options.sharedRefreshMs,
          halfOpenMaxCalls: this.options.halfOpenMaxCalls,
          probeTtlMs: this.options.halfOpenProbeTimeoutMs,
          closeMemoryMs: this.options.maxOpenMs,
        },
        this.clock,
      );
    this.onSharedHealth = this.fleet?.onHealth ?? new EventChannel();
  }

  /** The current state, after any transition that time has made due. */
  get state(): CircuitState {
    if (this.current !== 'closed' || this.fleet !== undefined) this.refresh(this.clock.now());
    return this.current;
  }

  /**
   * Returns the epoch to report the outcome with (a half-open probe takes a slot), or -1 when refused.
   * Never waits: with a `shared` state, a half-open probe also needs a fleet token, fetched in the
   * background, so the first call after half-opening is refused until the token is here.
   */
  tryAcquirePermit(): number {
    const fleet = this.fleet;
    if (this.current === 'closed' && fleet === undefined) return this.epoch;
    const now = this.clock.now();
    this.refresh(now);
    if (this.current === 'closed') return this.epoch;
    if (
      this.current === 'half_open' &&
      this.probes.inFlight < this.probes.capacity &&
      (fleet === undefined || fleet.takeProbeToken(now, this.epoch)) &&
      this.probes.tryStart(now)
    ) {
      return this.epoch;
    }
    this.rejected++;
    return -1;
  }

  /**
   * Ms until a call could be permitted: 0 when it could now, Infinity when isolated; while half-open
   * with every slot taken, until the oldest probe would be declared hung (a slot may free sooner).
   */
  retryAfterMs(): number {
    const now = this.clock.now();
    this.refresh(now);
    switch (this.current) {
      case 'closed':
        return 0;
      case 'isolated':
        return Number.POSITIVE_INFINITY;
      case 'open':
        return Math.max(0, this.openedAtMs + this.openMs - now);
      case 'half_open':
        return Math.max(0, this.probes.hungAt(now, this.options.halfOpenProbeTimeoutMs) - now);
    }
  }

  /** The error to throw for a refused permit, with the wait and the state. */
  rejectionError(): CircuitBreakerError {
    const retryAfterMs = this.retryAfterMs();
    return new CircuitBreakerError(this.name, retryAfterMs, this.current === 'closed' ? 'open' : this.current);
  }

  /**
   * Whether outcomes need the time and the call's duration (failure-ratio or slow-call mode). When
   * false, the pipeline need not read the clock after a call: `durationMs` is ignored.
   */
  get usesCallTiming(): boolean {
    return this.usesTime;
  }

  /** A permitted call succeeded after `durationMs` (`nowMs`: the clock's reading at the end, if the caller has it). */
  onSuccess(epoch: number, durationMs: number, nowMs?: number): void {
    this.totalSuccesses++;
    if (this.fleet !== undefined) this.fleet.probeEnded(epoch);
    if (epoch !== this.epoch) return;
    const failuresBefore = this.consecutiveFailures;
    this.consecutiveFailures = 0;
    if (this.current === 'closed') {
      this.successesInState++;
      // Without timing the policy is a count of consecutive failures, equal to ours while closed:
      // after a success it is already 0, and recording another changes nothing (nor reads it).
      if (this.usesTime || failuresBefore !== 0) this.recordClosed(false, durationMs, nowMs);
    } else if (this.current === 'half_open') {
      this.probes.finish();
      const slowCallDurationMs = this.options.slowCallDurationMs;
      // A slow probe says the service is still degraded: closing would only trip again.
      if (slowCallDurationMs !== undefined && durationMs > slowCallDurationMs) this.transition('open', 'slow_calls', 1, this.clock.now());
      else if (++this.successesInState >= this.options.successThreshold) this.transition('closed', 'probes_succeeded', 0, this.clock.now());
    }
  }

  /** A permitted call failed; errors that `isFailure` rejects are ignored (see {@link onIgnored}). */
  onFailure(epoch: number, error: unknown, durationMs: number): void {
    if (!this.options.isFailure(error, classifyError(error))) {
      this.onIgnored(epoch);
      return;
    }
    this.totalFailures++;
    this.lastFailureWallMs = this.clock.wallTime();
    if (this.fleet !== undefined) this.fleet.probeEnded(epoch);
    if (epoch !== this.epoch) return;
    this.consecutiveFailures++;
    if (this.current === 'closed') this.recordClosed(true, durationMs);
    else if (this.current === 'half_open') this.transition('open', 'probe_failed', this.consecutiveFailures, this.clock.now());
  }

  /** Releases a permit without an outcome (the caller aborted, or the error is not the service's fault). */
  onIgnored(epoch: number): void {
    this.totalIgnored++;
    if (this.fleet !== undefined) this.fleet.probeEnded(epoch);
    if (epoch === this.epoch && this.current === 'half_open') this.probes.finish();
  }

  /**
   * Permit, call, record, rethrow. Rejects with {@link CircuitBreakerError} without calling `fn`
   * when refused. A failure after `signal` aborted is the caller's doing and is ignored.
   */
  async execute<T>(fn: () => Promise<T> | T, options?: { signal?: AbortSignal }): Promise<T> {
    const epoch = this.tryAcquirePermit();
    if (epoch < 0) throw this.rejectionError();
    const startedAt = this.clock.now();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      if (options?.signal?.aborted) this.onIgnored(epoch);
      else this.onFailure(epoch, error, this.clock.now() - startedAt);
      throw error;
    }
    this.onSuccess(epoch, this.clock.now() - startedAt);
    return result;
  }

  /**
   * Closes the circuit and clears what is weighed toward opening (lifetime totals are kept). With a
   * `shared` state, closing an open circuit also publishes a close (it clears the fleet's reports,
   * which would otherwise open it again at once).
   */
  reset(): void {
    if (this.current !== 'closed') {
      this.transition('closed', 'manual', 0, this.clock.now());
      return;
    }
    this.epoch++;
    this.successesInState = 0;
    this.clearHealth();
  }

  /** Holds the circuit open until {@link reset}: every call is refused with `retryAfterMs` Infinity. */
  isolate(): void {
    if (this.current !== 'isolated') this.transition('isolated', 'manual', 0, this.clock.now());
  }

  /** A snapshot of state and counters (see {@link CircuitBreakerStats}). */
  stats(): CircuitBreakerStats {
    const now = this.clock.now();
    this.refresh(now);
    const { failures, slowCalls } = this;
    const window = failures.window ?? slowCalls?.window;
    const shared = this.fleet?.stats(now);
    return {
      name: this.name,
      state: this.current,
      failureCount: failures.window ? failures.weighed(now) : this.consecutiveFailures,
      successCount: this.successesInState,
      lastFailureTime: this.lastFailureWallMs,
      openedAt: this.current === 'closed' ? null : this.openedAtWallMs,
      nextProbeInMs: this.current === 'open' ? Math.max(0, this.openedAtMs + this.openMs - now) : null,
      openMs: this.openMs,
      trips: this.trips,
      consecutiveFailures: this.consecutiveFailures,
      probesInFlight: this.current === 'half_open' ? this.probes.inFlight : 0,
      windowCalls: window ? window.calls(now) : 0,
      windowSlowCalls: slowCalls ? slowCalls.weighed(now) : 0,
      totalFailures: this.totalFailures,
      totalSuccesses: this.totalSuccesses,
      totalIgnored: this.totalIgnored,
      rejected: this.rejected,
      transitions: this.transitions,
      ...(shared && { shared }),
    };
  }

  private recordClosed(failed: boolean, durationMs: number, nowMs?: number): void {
    // Consecutive mode needs no time to weigh an outcome: the clock is read only if it trips.
    const timed = nowMs !== undefined || this.usesTime;
    const now = nowMs ?? (timed ? this.clock.now() : 0);
    const { failures, slowCalls } = this;
    const failuresTrip = failures.record(now, failed, durationMs);
    const slowCallsTrip = slowCalls !== undefined && slowCalls.record(now, failed, durationMs);
    if (!failuresTrip && !slowCallsTrip) return;
    const at = timed ? now : this.clock.now();
    if (failuresTrip) this.transition('open', failures.reason, failures.weighed(at), at);
    else this.transition('open', 'slow_calls', slowCalls!.weighed(at), at);
  }


  /**
   * Makes the transitions time has made due: a hung probe re-opens, an elapsed open time half-opens.
   * A hung probe re-opens as of the moment it timed out, so the circuit behaves the same whether or
   * not anyone was looking then (after a long idle, the open time may already be over).
   */
  private refresh(now: number): void {
    const { halfOpenProbeTimeoutMs } = this.options;
    if (this.current === 'half_open' && this.probes.isHung(now, halfOpenProbeTimeoutMs)) {
      this.consecutiveFailures++;
      this.lastFailureWallMs = this.clock.wallTime();
      this.transition('open', 'probe_timeout', this.consecutiveFailures, this.probes.hungAt(now, halfOpenProbeTimeoutMs));
    }
    if (this.current === 'open' && now - this.openedAtMs >= this.openMs) this.transition('half_open', 'open_elapsed', 0, now);
    if (this.fleet !== undefined && this.current !== 'isolated') this.followFleet(this.fleet, now);
  }

  /** Applies the fleet's advice (the rule is {@link FleetLink.advise}); starts a background refresh when due. */
  private followFleet(fleet: FleetLink, now: number): void {
    fleet.poll(now);
    const advice = fleet.advise(this.current, now);
    if (advice === 'close') {
      this.transition('closed', 'remote', 0, now);
    } else if (advice === 'open') {
      const until = fleet.openUntil;
      if (this.current !== 'open') this.transition('open', 'remote', fleet.reports, now, until - now);
      // Already opened by the fleet: stay open as long as its quorum lasts.
      else if (until > this.openedAtMs + this.openMs) this.openMs = until - this.openedAtMs;
    }
  }

  /**
   * `at` is when the transition takes effect on the monotonic clock: now, or earlier for a hung probe.
   * `fleetOpenMs`: how long the fleet asks it to stay open (reason `remote`); not a trip of its own.
   */
  private transition(to: CircuitState, reason: BreakerTransitionReason, failures: number, at: number, fleetOpenMs = 0): void {
    const from = this.current;
    this.current = to;
    this.epoch++;
    this.transitions++;
    this.successesInState = 0;
    this.probes.clear();
    if (to === 'open') {
      if (reason === 'remote') {
        this.openMs = fleetOpenMs;
      } else {
        const { openMs, maxOpenMs, openBackoffFactor } = this.options;
        this.openMs = this.tripOpenMs = this.trips === 0 ? openMs : Math.min(maxOpenMs, this.tripOpenMs * openBackoffFactor);
        this.trips++;
      }
      this.openedAtMs = at;
      this.openedAtWallMs = this.clock.wallTime() - (this.clock.now() - at);
    } else if (to === 'isolated') {
      this.openedAtWallMs = this.clock.wallTime();
    } else if (to === 'closed') {
      this.clearHealth();
    }
    if (this.fleet !== undefined) this.fleet.onTransition(to, reason === 'remote', this.openMs);
    if (!this.onStateChange.hasListeners) return;
    const event: BreakerStateChangeEvent = { type: 'breaker_state_change', service: this.name, at: this.clock.wallTime(), from, to, failures, reason };
    if (to === 'open') event.openMs = this.openMs;
    this.onStateChange.emit(event);
  }

  /** Forgets what weighs toward opening, and the trips the open time grew with. */
  private clearHealth(): void {
    this.consecutiveFailures = 0;
    this.trips = 0;
    this.openMs = this.tripOpenMs = this.options.openMs;
    this.openedAtWallMs = null;
    this.failures.clear();
    this.slowCalls?.clear();
  }
}
