/**
 * When to retry and how long to wait: the decision ({@link RetryPolicy.decide}, an outcome, never
 * thrown) is separate from the loop ({@link RetryPolicy.execute}), so the pipeline can run its own
 * loop with the same rules.
 */
import { abortReason, sleep } from '../core/abort.js';
import { classifyError, retryAfterMsOf } from '../core/classify.js';
import { type Clock, systemClock } from '../core/clock.js';
import { type AttemptFailure, ConfigError, messageOf, RetryExhaustedError, type RetryStopReason } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import { EventChannel, type ResilienceEvent } from '../core/events.js';
import { FAILURE_POLICIES, type FailureKind } from '../core/failure-kinds.js';
import { type RandomSource, nextBackoffDelayMs } from './backoff.js';
import { RetryBudget } from './retry-budget.js';
import {
  type ResolvedBackoffOptions,
  type RetryExecuteOptions,
  type RetryPolicyOptions,
  resolveBackoffOptions,
  resolveDelayMs,
  resolveMaxRetries,
} from './retry-options.js';

/** What {@link RetryPolicy.decide} is told about the failed attempt. */
export interface RetryContext {
  nowMs: number;
  /** When the whole call must be done, on the policy's clock. */
  deadlineAt?: number;
  /** How long the failed attempt took: the next one is expected to take as long. */
  lastAttemptDurationMs?: number;
  /** The delay slept before the failed attempt (for decorrelated jitter). */
  previousDelayMs?: number;
}

/** Retry after `delayMs`, or stop and say why. `kind` is the failure's classification. */
export type RetryDecision =
  | { retry: true; delayMs: number; fromRetryAfter: boolean; kind: FailureKind }
  | { retry: false; reason: 'not_retryable' | RetryStopReason; retryAfterMs?: number; kind: FailureKind };

/**
 * Exponential backoff with jitter, the provider's own retry-after, a retry budget and a deadline.
 * Events go to one {@link EventChannel}: the `events` option (a registry shares one across
 * services) or, by default, a channel of the policy's own, `policy.events`.
 *
 * ```ts
 * const retry = new RetryPolicy({ maxRetries: 3, jitter: 'full' });
 * const reply = await retry.execute(({ signal }) => fetch(url, { signal }), { signal, deadlineMs: 30_000 });
 * ```
 */
export class RetryPolicy {
  readonly name: string;
  readonly maxRetries: number;
  readonly backoff: ResolvedBackoffOptions;
  readonly maxRetryAfterMs: number;
  /** Shared with whoever passed it in; `undefined` when disabled. */
  readonly budget: RetryBudget | undefined;
  /** Subscribe here (`policy.events.on(listener)`) unless a channel was given in the options. */
  readonly events: EventChannel<ResilienceEvent>;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly retryOn: ((error: unknown, kind: FailureKind) => boolean) | undefined;

  constructor(options: RetryPolicyOptions = {}) {
    this.backoff = resolveBackoffOptions(options);
    this.maxRetries = resolveMaxRetries('retry.maxRetries', options.maxRetries);
    this.maxRetryAfterMs = resolveDelayMs('retry.maxRetryAfterMs', options.maxRetryAfterMs, this.backoff.maxDelayMs);
    if (options.retryOn !== undefined && typeof options.retryOn !== 'function') throw new ConfigError('retry.retryOn', options.retryOn, 'a function');
    const budget = options.budget;
    if (budget !== undefined && budget !== false && (budget === null || typeof budget !== 'object')) {
      throw new ConfigError('retry.budget', budget, 'a RetryBudget, its options, or false');
    }
    this.name = options.name ?? 'retry';
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.retryOn = options.retryOn;
    this.events = options.events ?? new EventChannel<ResilienceEvent>();
    this.budget =
      budget === false ? undefined : budget instanceof RetryBudget ? budget : new RetryBudget({ ...budget, clock: budget?.clock ?? this.clock });
  }

  /**
   * Whether to retry after attempt number `attempt` (1-based) failed with `error`, and after how
   * long. Charges the budget only when the answer is to retry. Never throws.
   */
  decide(attempt: number, error: unknown, context: RetryContext): RetryDecision {
    let kind: FailureKind = 'unknown';
    try {
      kind = classifyError(error);
      if (!this.isRetryable(error, kind)) return { retry: false, reason: 'not_retryable', kind };
      if (!(attempt <= this.maxRetries)) return { retry: false, reason: 'max_retries', kind };
      // The current error's own wait, never one remembered from an earlier response (litellm#20722).
      const retryAfterMs = retryAfterMsOf(error, this.clock.wallTime());
      if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) return { retry: false, reason: 'retry_after_too_long', retryAfterMs, kind };
      const { nowMs = this.clock.now(), deadlineAt, lastAttemptDurationMs, previousDelayMs } = context ?? {};
      const delayMs = retryAfterMs ?? nextBackoffDelayMs(attempt - 1, previousDelayMs, this.backoff, this.random);
      const lastAttemptMs = lastAttemptDurationMs !== undefined && lastAttemptDurationMs > 0 ? lastAttemptDurationMs : 0;
      if (deadlineAt !== undefined && nowMs + delayMs + lastAttemptMs > deadlineAt) {
        return { retry: false, reason: 'deadline', retryAfterMs: delayMs, kind };
      }
      if (this.budget && !this.budget.tryAcquireRetry()) return { retry: false, reason: 'budget', kind };
      return { retry: true, delayMs, fromRetryAfter: retryAfterMs !== undefined, kind };
    } catch {
      // Only a hostile error object (a throwing getter) or callback gets here: do not retry it.
      return { retry: false, reason: 'not_retryable', kind };
    }
  }

  /**
   * Runs `fn` until it succeeds or the policy stops. A non-retryable error is rethrown as is; a
   * stop for `max_retries`, `budget`, `deadline` or `retry_after_too_long` throws a
   * {@link RetryExhaustedError} with every attempt's error. An abort, even mid-backoff, rejects at
   * once with the signal's reason.
   */
  async execute<T>(fn: (context: { attempt: number; signal?: AbortSignal }) => Promise<T>, options: RetryExecuteOptions = {}): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    const deadlineAt = options.deadlineMs === undefined ? undefined : this.clock.now() + options.deadlineMs;
    this.budget?.recordRequest();
    const failures: AttemptFailure[] = [];
    let previousDelayMs: number | undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortReason(signal);
      const startedAt = this.clock.now();
      try {
        return await fn({ attempt, signal });
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        const nowMs = this.clock.now();
        const decision = this.decide(attempt, error, { nowMs, deadlineAt, lastAttemptDurationMs: nowMs - startedAt, previousDelayMs });
        this.reportFailure(attempt, decision.kind, error);
        if (!decision.retry) {
          if (decision.reason === 'not_retryable') throw error;
          failures.push({ attempt, kind: decision.kind, error });
          throw new RetryExhaustedError(this.name, failures, decision.reason, decision.retryAfterMs);
        }
        failures.push({ attempt, kind: decision.kind, error, delayMs: decision.delayMs });
        this.reportRetry(attempt, decision);
        previousDelayMs = decision.delayMs;
        await sleep(this.clock, decision.delayMs, signal);
      }
    }
  }

  private isRetryable(error: unknown, kind: FailureKind): boolean {
    if (kind === 'aborted') return false;
    return this.retryOn ? this.retryOn(error, kind) === true : FAILURE_POLICIES[kind].retryable;
  }

  /** Emits `attempt_failed` (and `quota_exhausted` for a quota error) for a failed attempt. */
  reportFailure(attempt: number, kind: FailureKind, error: unknown, requestId?: string): void {
    if (!this.events.hasListeners) return;
    const common = { service: this.name, at: this.clock.wallTime(), attempt, maxAttempts: this.maxRetries + 1, message: redactSecrets(messageOf(error)), requestId };
    this.events.emit({ type: 'attempt_failed', kind, ...common });
    if (kind === 'quota_exhausted') this.events.emit({ type: 'quota_exhausted', ...common });
  }

  /** Emits `retry_scheduled` for a decision to retry. */
  reportRetry(attempt: number, decision: Extract<RetryDecision, { retry: true }>, requestId?: string): void {
    if (!this.events.hasListeners) return;
    const { delayMs, kind, fromRetryAfter } = decision;
    this.events.emit({ type: 'retry_scheduled', service: this.name, at: this.clock.wallTime(), attempt, delayMs, kind, fromRetryAfter, requestId });
  }
}
