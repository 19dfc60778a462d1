/** Circuit breaker options: their defaults, in one place, and their validation. */
import { type Clock, systemClock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { FAILURE_POLICIES, type FailureKind } from '../core/failure-kinds.js';
import { MAX_SHARED_QUORUM, type SharedBreakerState } from './shared-breaker-state.js';

/** Options of a {@link CircuitBreaker}. All durations are milliseconds of the injected `clock`. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed circuit (consecutive mode). Default 5. */
  failureThreshold?: number;
  /** Successful probes that close a half-open circuit. Default 2. */
  successThreshold?: number;
  /** How long the circuit stays open before it lets probes through. Default 60_000. */
  openMs?: number;
  /** Probes in flight at once (not in total) while half-open. Default 3. */
  halfOpenMaxCalls?: number;
  /**
   * When every probe slot is taken and the oldest probe is older than this, that probe is taken as
   * failed and the circuit re-opens (reason `probe_timeout`), so a hung call cannot hold the circuit
   * half-open. Default 120_000: LLM calls legitimately take a minute or more, and declaring a
   * healthy slow probe hung would keep the circuit cycling; keep it above the attempt timeout.
   */
  halfOpenProbeTimeoutMs?: number;
  /** Turns on ratio mode: open when failures / calls in the sampling window reach this, in (0, 1]. */
  failureRatio?: number;
  /** Length of the rolling window for the failure and slow-call ratios. Default 60_000. */
  samplingWindowMs?: number;
  /** Calls in the sampling window before a ratio can open the circuit. Default 10. */
  minimumThroughput?: number;
  /** Turns on slow-call detection: a call taking longer than this is slow. Default 60_000 when `slowCallRatio` is set. */
  slowCallDurationMs?: number;
  /** Open when slow calls / calls in the sampling window reach this, in (0, 1]. Default 1 when `slowCallDurationMs` is set. */
  slowCallRatio?: number;
  /** Each trip without closing in between multiplies the open time by this (>= 1). Default 1 (off). */
  openBackoffFactor?: number;
  /** Ceiling of the growing open time (>= openMs). Default 10 × openMs. */
  maxOpenMs?: number;
  /** Which errors count as failures; the others are ignored (neither success nor failure). */
  isFailure?: (error: unknown, kind: FailureKind) => boolean;
  clock?: Clock;
  /**
   * Shares openings with the other processes of the fleet (opt-in per service), e.g.
   * `new RedisBreakerState(redis, { service: 'openai' })`: see `shared-breaker-state.ts`.
   * Off by default: every breaker is local.
   */
  shared?: SharedBreakerState;
  /**
   * Distinct other processes whose open reports open this breaker (reason `remote`). Default 2:
   * one node's own trouble (its network, its key) never opens the fleet (Polly#287), while a real
   * outage, which every node sees, reaches 2 within seconds. 1 trusts any single node. At most 16.
   */
  sharedQuorum?: number;
  /** How often the fleet view is refreshed in the background while the breaker is used (ms). Default 1_000. */
  sharedRefreshMs?: number;
}

/** Defaults of the circuit breaker (failureThreshold, successThreshold, openMs, halfOpenMaxCalls follow the seeds). */
export const CIRCUIT_BREAKER_DEFAULTS = {
  failureThreshold: 5,
  successThreshold: 2,
  openMs: 60_000,
  halfOpenMaxCalls: 3,
  halfOpenProbeTimeoutMs: 120_000,
  samplingWindowMs: 60_000,
  minimumThroughput: 10,
  slowCallDurationMs: 60_000,
  slowCallRatio: 1,
  openBackoffFactor: 1,
  maxOpenMultiple: 10,
  sharedQuorum: 2,
  sharedRefreshMs: 1_000,
} as const;

/** Counts server errors, timeouts, network errors and overload; never the caller's own failures. */
export const countsForBreaker = (_error: unknown, kind: FailureKind): boolean => FAILURE_POLICIES[kind].countsForBreaker;

/** Options with every default applied and every value checked. */
export interface ResolvedBreakerOptions {
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly openMs: number;
  readonly halfOpenMaxCalls: number;
  readonly halfOpenProbeTimeoutMs: number;
  /** Undefined in consecutive mode. */
  readonly failureRatio: number | undefined;
  readonly samplingWindowMs: number;
  readonly minimumThroughput: number;
  /** Undefined when slow-call detection is off. */
  readonly slowCallDurationMs: number | undefined;
  readonly slowCallRatio: number;
  readonly openBackoffFactor: number;
  readonly maxOpenMs: number;
  readonly isFailure: (error: unknown, kind: FailureKind) => boolean;
  readonly clock: Clock;
  /** Undefined when the breaker is local only. */
  readonly shared: SharedBreakerState | undefined;
  readonly sharedQuorum: number;
  readonly sharedRefreshMs: number;
}

const PATH = 'circuitBreaker';

function integerAtLeastOne(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ConfigError(`${PATH}.${name}`, value, 'an integer >= 1');
  return value;
}

function duration(name: string, value: number | undefined, fallback: number, positive = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new ConfigError(`${PATH}.${name}`, value, positive ? 'a finite number of milliseconds > 0' : 'a finite number of milliseconds >= 0');
  }
  return value;
}

function quorum(value: number | undefined): number {
  const q = integerAtLeastOne('sharedQuorum', value, CIRCUIT_BREAKER_DEFAULTS.sharedQuorum);
  if (q > MAX_SHARED_QUORUM) throw new ConfigError(`${PATH}.sharedQuorum`, q, `an integer from 1 to ${MAX_SHARED_QUORUM}`);
  return q;
}

function ratio(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw new ConfigError(`${PATH}.${name}`, value, 'a ratio in (0, 1]');
  return value;
}

const SHARED_METHODS = ['read', 'reportOpen', 'reportClosed', 'acquireProbe', 'releaseProbe'] as const;

function sharedState(value: SharedBreakerState | undefined): SharedBreakerState | undefined {
  if (value === undefined) return undefined;
  const valid =
    typeof value === 'object' &&
    value !== null &&
    SHARED_METHODS.every((method) => typeof value[method] === 'function') &&
    typeof value.service === 'string' &&
    typeof value.processId === 'string' &&
    value.processId !== '';
  if (!valid) throw new ConfigError(`${PATH}.shared`, value, `a SharedBreakerState (service, processId, ${SHARED_METHODS.join(', ')})`);
  return value;
}

/** Applies the defaults and checks every value; throws {@link ConfigError} naming the first bad option. */
export function resolveBreakerOptions(options: CircuitBreakerOptions | undefined): ResolvedBreakerOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new ConfigError(PATH, options, 'an options object');
  const o = options ?? {};
  const d = CIRCUIT_BREAKER_DEFAULTS;
  const openMs = duration('openMs', o.openMs, d.openMs);
  const openBackoffFactor = o.openBackoffFactor ?? d.openBackoffFactor;
  if (typeof openBackoffFactor !== 'number' || !Number.isFinite(openBackoffFactor) || openBackoffFactor < 1) {
    throw new ConfigError(`${PATH}.openBackoffFactor`, openBackoffFactor, 'a finite number >= 1');
  }
  const maxOpenMs = duration('maxOpenMs', o.maxOpenMs, openMs * d.maxOpenMultiple);
  if (maxOpenMs < openMs) throw new ConfigError(`${PATH}.maxOpenMs`, maxOpenMs, `a number of milliseconds >= openMs (${openMs})`);
  if (o.isFailure !== undefined && typeof o.isFailure !== 'function') throw new ConfigError(`${PATH}.isFailure`, o.isFailure, 'a function (error, kind) => boolean');
  const clock = o.clock ?? systemClock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.wallTime !== 'function') {
    throw new ConfigError(`${PATH}.clock`, clock, 'a Clock (now(), wallTime())');
  }
  const slowCallRatio = ratio('slowCallRatio', o.slowCallRatio);
  const slowCallDurationMs = duration('slowCallDurationMs', o.slowCallDurationMs, d.slowCallDurationMs);
  return {
    failureThreshold: integerAtLeastOne('failureThreshold', o.failureThreshold, d.failureThreshold),
    successThreshold: integerAtLeastOne('successThreshold', o.successThreshold, d.successThreshold),
    openMs,
    halfOpenMaxCalls: integerAtLeastOne('halfOpenMaxCalls', o.halfOpenMaxCalls, d.halfOpenMaxCalls),
    halfOpenProbeTimeoutMs: duration('halfOpenProbeTimeoutMs', o.halfOpenProbeTimeoutMs, d.halfOpenProbeTimeoutMs, true),
    failureRatio: ratio('failureRatio', o.failureRatio),
    samplingWindowMs: duration('samplingWindowMs', o.samplingWindowMs, d.samplingWindowMs, true),
    minimumThroughput: integerAtLeastOne('minimumThroughput', o.minimumThroughput, d.minimumThroughput),
    slowCallDurationMs: o.slowCallDurationMs !== undefined || slowCallRatio !== undefined ? slowCallDurationMs : undefined,
    slowCallRatio: slowCallRatio ?? d.slowCallRatio,
    openBackoffFactor,
    maxOpenMs,
    isFailure: o.isFailure ?? countsForBreaker,
    clock,
    shared: sharedState(o.shared),
    sharedQuorum: quorum(o.sharedQuorum),
    sharedRefreshMs: duration('sharedRefreshMs', o.sharedRefreshMs, d.sharedRefreshMs, true),
  };
}
