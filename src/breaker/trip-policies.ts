/**
 * When does a closed circuit open? Each policy weighs the outcomes of the closed state and answers
 * one question; the breaker owns the state machine and only asks. All cost O(1) per outcome.
 */
import type { ResolvedBreakerOptions } from './breaker-options.js';
import { RollingWindow } from './rolling-window.js';

/** The reasons a closed circuit opens, as reported in `breaker_state_change` events. */
export type TripReason = 'failures' | 'failure_ratio' | 'slow_calls';

/** Decides from the closed state's outcomes whether the circuit should open. */
export interface TripPolicy {
  readonly reason: TripReason;
  /** The rolling window weighed, if the policy keeps one. */
  readonly window?: RollingWindow;
  /** Records one outcome at `now`; true when the circuit should open now. */
  record(now: number, failed: boolean, durationMs: number): boolean;
  /** The outcomes currently weighed toward opening (failures, or slow calls). */
  weighed(now: number): number;
  /** Forgets everything (the circuit closed, or was reset). */
  clear(): void;
}

/** Opens after `threshold` failures in a row; a success starts the count again. */
export class ConsecutiveFailuresPolicy implements TripPolicy {
  readonly reason = 'failures' as const;
  private failures = 0;

  constructor(private readonly threshold: number) {}

  record(_now: number, failed: boolean): boolean {
    this.failures = failed ? this.failures + 1 : 0;
    return this.failures >= this.threshold;
  }

  weighed(): number {
    return this.failures;
  }

  clear(): void {
    this.failures = 0;
  }
}

/** Opens when hits / calls in the rolling window reach `ratio`, once the window holds `minimumThroughput` calls. */
abstract class WindowRatioPolicy implements TripPolicy {
  abstract readonly reason: TripReason;
  /** Exposed for tests and stats: its memory is fixed whatever the traffic. */
  readonly window: RollingWindow;

  constructor(
    windowMs: number,
    private readonly ratio: number,
    private readonly minimumThroughput: number,
  ) {
    this.window = new RollingWindow(windowMs);
  }

  protected abstract isHit(failed: boolean, durationMs: number): boolean;

  record(now: number, failed: boolean, durationMs: number): boolean {
    this.window.record(now, this.isHit(failed, durationMs));
    const calls = this.window.calls(now);
    // Division, not hits >= ratio * calls: 0.1 * 30 is 3.0000000000000004.
    return calls >= this.minimumThroughput && this.window.hits(now) / calls >= this.ratio;
  }

  weighed(now: number): number {
    return this.window.hits(now);
  }

  clear(): void {
    this.window.clear();
  }
}

/** Ratio mode: the share of failed calls in the sampling window. */
export class FailureRatioPolicy extends WindowRatioPolicy {
  readonly reason = 'failure_ratio' as const;

  protected isHit(failed: boolean): boolean {
    return failed;
  }
}

/** Slow-call detection (resilience4j): the share of calls, failed or not, longer than `slowCallDurationMs`. */
export class SlowCallPolicy extends WindowRatioPolicy {
  readonly reason = 'slow_calls' as const;

  constructor(
    private readonly slowCallDurationMs: number,
    windowMs: number,
    ratio: number,
    minimumThroughput: number,
  ) {
    super(windowMs, ratio, minimumThroughput);
  }

  protected isHit(_failed: boolean, durationMs: number): boolean {
    return durationMs > this.slowCallDurationMs;
  }
}

/** The policies a breaker applies: its mode's failure policy, and slow-call detection when on. */
export interface TripPolicies {
  /** Consecutive failures, or the failure ratio when `failureRatio` is set. */
  readonly failures: TripPolicy;
  readonly slowCalls: SlowCallPolicy | undefined;
  /** Whether recording an outcome needs the time (rolling windows) or its duration (slow calls). */
  readonly usesTime: boolean;
}

/** Builds the policies the options ask for. */
export function createTripPolicies(options: ResolvedBreakerOptions): TripPolicies {
  const { failureRatio, samplingWindowMs, minimumThroughput, slowCallDurationMs } = options;
  return {
    failures:
      failureRatio === undefined
        ? new ConsecutiveFailuresPolicy(options.failureThreshold)
        : new FailureRatioPolicy(samplingWindowMs, failureRatio, minimumThroughput),
    slowCalls:
      slowCallDurationMs === undefined ? undefined : new SlowCallPolicy(slowCallDurationMs, samplingWindowMs, options.slowCallRatio, minimumThroughput),
    usesTime: failureRatio !== undefined || slowCallDurationMs !== undefined,
  };
}
