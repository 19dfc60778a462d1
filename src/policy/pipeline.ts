/**
 * One service's pipeline: retry -> circuit breaker -> rate limiter -> timeout -> call. The breaker
 * sits outside the limiter so an open circuit spends no rate budget; retry sits outside the
 * breaker so every attempt is counted by it. Refusals travel as values (a -1 permit, a null lease)
 * and become errors only here, at the boundary.
 */
import { abortReason, sleep } from '../core/abort.js';
import { classifyError, retryAfterMsOf } from '../core/classify.js';
import type { Clock } from '../core/clock.js';
import { type AttemptFailure, RetryExhaustedError } from '../core/errors.js';
import type { FailureKind } from '../core/failure-kinds.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import { CircuitBreaker } from '../breaker/circuit-breaker.js';
import { sharedBreakerStateOf } from './shared-breaker.js';
import type { AttemptObserver, CallInstrumentation, CallObserver } from './instrumentation.js';
import type { CallOutcome, Lease, Usage } from '../limiter/lease.js';
import type { AnyLimiterStore } from '../limiter/shared-store.js';
import type { Priority } from '../limiter/priority.js';
import type { AcquireOptions, RateLimiter } from '../limiter/rate-limiter.js';
import { nextBackoffDelayMs } from '../retry/backoff.js';
import type { RetryBudget } from '../retry/retry-budget.js';
import { RetryPolicy } from '../retry/retry-policy.js';
import { Attempt, type AttemptContext } from './attempt-context.js';
import { runAttempt } from './run-attempt.js';
import type { ServiceOptions } from './service-options.js';
import { ServiceLimiters } from './service-limiters.js';
import { ServiceCounters } from './service-counters.js';

export interface ExecuteOptions<T = unknown> {
  /** Estimated tokens of the request (input + output reservation), for token limits. */
  tokens?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Default 'normal'; 'critical' bypasses the limiter (still counted). */
  priority?: Priority;
  /** Aborting ends the call at once: while queued, during backoff, or in flight. */
  signal?: AbortSignal;
  /** Time allowed for the whole call, retries included, in ms from now. */
  deadlineMs?: number;
  /** Overrides the limiter's maxWaitMs for this call. */
  maxWaitMs?: number;
  /** Carried into events and logs. */
  requestId?: string;
  /** The model called: with `rateLimit.perModel`, it picks the model's own limiter. */
  model?: string;
  /** Real usage from the result, to reconcile the estimate (or call `context.reportUsage`). */
  usage?: (result: T) => Usage | undefined;
}

const NO_OPTIONS: ExecuteOptions = {};

/** What a failed call says of the provider's load (for a concurrency learned from latency). */
function outcomeOf(kind: FailureKind): CallOutcome {
  return kind === 'timeout' || kind === 'overloaded' || kind === 'rate_limited' || kind === 'server_error' ? 'dropped' : 'ignored';
}

/** The observer of an instrumented call and of its attempt under way. */
interface AttemptTrack {
  readonly call: CallObserver;
  current: AttemptObserver | undefined;
}

/**
 * The caller's usage extractor, guarded: the call has succeeded, and a bug in reading its usage
 * must not turn it into a failure (and a retry: a second billable call). The estimate then stands.
 */
function usageOf<T>(options: ExecuteOptions<T>, result: T): Usage | undefined {
  if (!options.usage) return undefined;
  try {
    return options.usage(result);
  } catch {
    return undefined;
  }
}

export class Pipeline {
  // First what every call reads. With thousands of services each object a call touches is a cache
  // miss of its own, so the retry budget and the service's own limiter are read from here, not
  // through the retry policy and the service's limiters.
  /** Tracing and metrics hooks (OpenTelemetry); undefined: none, and no cost. */
  instrumentation: CallInstrumentation | undefined;
  readonly counters = new ServiceCounters();
  /** `limiters.limiter`, and whether any model has a limiter of its own (then ask `limiters`). */
  private ownLimiter: RateLimiter | undefined;
  private perModel = false;
  private readonly budget: RetryBudget | undefined;
  readonly breaker: CircuitBreaker | undefined;
  /** No timeout: `timeoutMs` (a boxed double) need not be read. */
  private readonly untimed: boolean;
  private readonly shadow: boolean;
  private readonly timeoutMs: number;
  /** The service's rate limiters: its own, and with `rateLimit.perModel` one per model. */
  readonly limiters: ServiceLimiters;
  /** Always present: `retry: false` is a policy of no retries, so failures are reported the same way. */
  readonly retry: RetryPolicy;

  constructor(
    readonly service: string,
    options: ServiceOptions,
    private readonly clock: Clock,
    private readonly events: EventChannel<ResilienceEvent>,
    private readonly store: AnyLimiterStore | undefined,
  ) {
    this.limiters = new ServiceLimiters(service, options.rateLimit, clock, events, store);
    this.breaker =
      options.circuitBreaker === false ? undefined : new CircuitBreaker(service, { ...options.circuitBreaker, clock, shared: sharedBreakerStateOf(service, options.circuitBreaker, store) });
    const retry = options.retry === false ? { maxRetries: 0, budget: false as const } : options.retry;
    this.retry = new RetryPolicy({ ...retry, name: service, clock, events });
    this.budget = this.retry.budget;
    this.syncLimiters();
    this.timeoutMs = options.timeoutMs ?? Infinity;
    this.untimed = this.timeoutMs === Infinity;
    this.shadow = options.mode === 'shadow';
    this.breaker?.onSharedHealth.on((event) => {
      if (event.healthy) events.emit({ type: 'store_recovered', service, at: event.at, downMs: event.downMs ?? 0, component: 'circuitBreaker' });
      else events.emit({ type: 'store_unavailable', service, at: event.at, failMode: 'local', message: event.message ?? 'no answer', component: 'circuitBreaker' });
    });
    this.breaker?.onStateChange.on((event) => {
      this.counters.transitions++;
      events.emit(event);
    });
  }

  /** The service's own limiter: configured, learned from the provider, or none (see ServiceLimiters). */
  get limiter(): RateLimiter | undefined {
    return this.limiters.limiter;
  }

  /** See ServiceLimiters.learnWhenUnconfigured: for LLM providers (resilientFetch). */
  learnLimitsWhenUnconfigured(perModelByDefault = false): void {
    this.limiters.learnWhenUnconfigured(perModelByDefault);
    this.syncLimiters();
  }

  private syncLimiters(): void {
    this.ownLimiter = this.limiters.limiter;
    this.perModel = this.limiters.perModel;
  }

  execute<T>(fn: (context: AttemptContext) => Promise<T> | T, options: ExecuteOptions<T> = NO_OPTIONS as ExecuteOptions<T>): Promise<T> {
    const instrumentation = this.instrumentation;
    return instrumentation === undefined ? this.run(fn, options, undefined) : this.observed(fn, options, instrumentation);
  }

  /** A call under instrumentation: its observer sees the call's end and each attempt's, whatever ends them. */
  private async observed<T>(fn: (context: AttemptContext) => Promise<T> | T, options: ExecuteOptions<T>, instrumentation: CallInstrumentation): Promise<T> {
    const call = instrumentation.startCall(this.service, options.requestId);
    if (call === undefined) return this.run(fn, options, undefined);
    const track: AttemptTrack = { call, current: undefined };
    try {
      const result = await this.run(fn, options, track);
      call.end();
      return result;
    } catch (error) {
      // Refused by the breaker or the limiter, or aborted: the attempt under way ends with the call.
      track.current?.end(error);
      call.end(error);
      throw error;
    }
  }

  private async run<T>(fn: (context: AttemptContext) => Promise<T> | T, options: ExecuteOptions<T>, track: AttemptTrack | undefined): Promise<T> {
    const { signal } = options;
    const clock = this.clock;
    const counters = this.counters;
    counters.requests++;
    if (signal?.aborted) {
      counters.recordFailure('aborted');
      throw abortReason(signal);
    }
    const limiter = this.perModel ? this.limiters.limiterFor(options.model) : this.ownLimiter;
    const arrivedAt = clock.now();
    const deadlineAt = options.deadlineMs === undefined ? Infinity : arrivedAt + options.deadlineMs;
    // One clock reading serves the arrival, the budget and an immediate admission.
    this.budget?.recordRequest(arrivedAt);
    let failures: AttemptFailure[] | undefined;
    let previousDelayMs: number | undefined;
    /** Attempts that met a provider's 429 and went back to the queue for its pause. */
    let requeues = 0;
    /** The pause the last 429 imposed: the next admission may wait that much longer. */
    let pausedMs = 0;
    for (let attempt = 1; ; attempt++) {
      counters.attempts++;
      if (track) track.current = track.call.startAttempt(attempt);
      const epoch = this.breaker ? this.permit(options.requestId) : -1;
      // The common case (admitted at once) stays synchronous: no promise, no extra turn.
      const request: AcquireOptions =
        attempt === 1 ? options : { ...options, queuedSince: arrivedAt, ...(pausedMs > 0 ? { maxWaitMs: (options.maxWaitMs ?? limiter!.maxWaitMs) + pausedMs } : {}) };
      pausedMs = 0;
      let startedAt = attempt === 1 ? arrivedAt : clock.now();
      let lease: Lease | null = null;
      if (limiter) {
        lease = this.shadow ? this.admitShadow(limiter, request) : limiter.tryAcquire(request, startedAt);
        if (lease === null) {
          lease = await this.waitForAdmission(limiter, request, deadlineAt, epoch);
          startedAt = clock.now();
        }
        track?.current?.admitted(lease.waitedMs);
      }
      // A function that takes no context gets none: no allocation for it on the hot path.
      const context = fn.length === 0 && this.untimed && deadlineAt === Infinity && signal === undefined ? undefined : new Attempt(this.service, attempt, signal, options.requestId, limiter, lease);
      try {
        const result = context === undefined ? await (fn as () => Promise<T> | T)() : await runAttempt(fn, context, Math.min(this.timeoutMs, deadlineAt - startedAt), signal, clock);
        if (epoch >= 0) {
          // Consecutive mode needs no timing: no clock read after a successful call.
          const breaker = this.breaker!;
          if (breaker.usesCallTiming) {
            const endedAt = clock.now();
            breaker.onSuccess(epoch, endedAt - startedAt, endedAt);
          } else {
            breaker.onSuccess(epoch, 0);
          }
        }
        lease?.release(context?.usage ?? usageOf(options, result), 'success');
        counters.succeeded++;
        if (track) {
          track.current?.end();
          track.current = undefined;
        }
        return result;
      } catch (error) {
        const now = clock.now();
        // The caller's own abort (or its own timeout signal) says nothing about the provider.
        if (epoch >= 0) {
          if (signal?.aborted) this.breaker!.onIgnored(epoch);
          else this.breaker!.onFailure(epoch, error, now - startedAt);
        }
        const kind: FailureKind = signal?.aborted ? 'aborted' : classifyError(error);
        // A 429 is a pause, not a fault: one pause for every caller of the service (of its model,
        // when limited per model; so they do not each earn their own), set before this request's
        // slot is given back to the queue.
        const pause = kind === 'rate_limited' && limiter ? this.pauseFor429(limiter, error, requeues, lease) : undefined;
        lease?.release(context?.usage, outcomeOf(kind));
        if (track) {
          track.current?.end(error);
          track.current = undefined;
        }
        if (signal?.aborted) {
          counters.recordFailure('aborted');
          throw abortReason(signal);
        }
        if (pause) {
          // Within the cap, this request goes back to its place in the queue for the pause, without
          // spending the retry budget, which bounds retries of faults.
          if (pause.requeue && requeues < this.retry.maxRetries && now + pause.ms < deadlineAt && !this.shadow) {
            requeues++;
            pausedMs = pause.ms;
            (failures ??= []).push({ attempt, kind, error, delayMs: pause.ms });
            counters.retries++;
            this.retry.reportFailure(attempt, kind, error, options.requestId);
            this.retry.reportRetry(attempt, { retry: true, delayMs: pause.ms, fromRetryAfter: pause.fromRetryAfter, kind }, options.requestId);
            continue;
          }
        }
        const decision = this.retry.decide(attempt, error, { nowMs: now, deadlineAt, lastAttemptDurationMs: now - startedAt, previousDelayMs });
        this.retry.reportFailure(attempt, kind, error, options.requestId);
        if (!decision.retry) {
          counters.recordFailure(kind);
          // A single attempt with nothing more to say is reported by its own error.
          if (decision.reason === 'not_retryable' || (decision.reason === 'max_retries' && attempt === 1)) throw error;
          (failures ??= []).push({ attempt, kind, error });
          throw new RetryExhaustedError(this.service, failures, decision.reason, decision.retryAfterMs);
        }
        (failures ??= []).push({ attempt, kind, error, delayMs: decision.delayMs });
        counters.retries++;
        this.retry.reportRetry(attempt, decision, options.requestId);
        previousDelayMs = decision.delayMs;
        await sleep(clock, decision.delayMs, signal).catch((abort: unknown) => {
          counters.recordFailure('aborted');
          throw abort;
        });
      }
    }
  }

  /**
   * Pauses the limiter for a 429: its retry-after (capped by the limiter's maxPauseMs) or, when it
   * names none, a backoff delay. A retry-after beyond either cap is not waited for here: the retry
   * policy decides (it stops at maxRetryAfterMs, so a caller with a fallback moves on).
   */
  private pauseFor429(limiter: RateLimiter, error: unknown, requeues: number, lease: Lease | null): { ms: number; requeue: boolean; fromRetryAfter: boolean } {
    limiter.noteRateLimited();
    const retryAfterMs = retryAfterMsOf(error, this.clock.wallTime());
    const asked = retryAfterMs ?? nextBackoffDelayMs(requeues, undefined, this.retry.backoff);
    const ms = limiter.applyProviderState({ retryAfterMs: asked }, lease ?? undefined);
    // Waited for in the queue only within both caps: the service's pause and this policy's
    // longest retry-after (a caller who would rather fall back than wait sets it low).
    return { ms, requeue: asked <= limiter.maxPauseMs && asked <= this.retry.maxRetryAfterMs, fromRetryAfter: retryAfterMs !== undefined };
  }

  /** A breaker permit, or -1 when there is no call to count (shadow mode let a refused call through). Throws when refused. */
  private permit(requestId: string | undefined): number {
    const breaker = this.breaker!;
    const epoch = breaker.tryAcquirePermit();
    if (epoch >= 0) return epoch;
    if (this.shadow) {
      this.counters.shadowViolations++;
      this.emitShadow('circuitBreaker', `refused the call (circuit ${breaker.state})`, requestId);
      return -1;
    }
    this.counters.rejectedByBreaker++;
    this.counters.recordFailure('circuit_open');
    throw breaker.rejectionError();
  }

  /** Shadow mode: admitted whatever happens; what enforcing would have done is reported. */
  private admitShadow(limiter: RateLimiter, request: AcquireOptions): Lease {
    const { lease, wouldHaveWaitedOn } = limiter.admitShadow(request);
    if (wouldHaveWaitedOn) {
      this.counters.shadowViolations++;
      this.emitShadow('rateLimit', `held the request on ${wouldHaveWaitedOn}`, request.requestId);
    }
    return lease;
  }

  /** Waits in the limiter's queue (a retry keeps the place of its first arrival, resilience4j#336). */
  private async waitForAdmission(limiter: RateLimiter, request: AcquireOptions, deadlineAt: number, epoch: number): Promise<Lease> {
    try {
      // The wait for admission also ends at the call's deadline.
      const remaining = deadlineAt - this.clock.now();
      const maxWaitMs = request.maxWaitMs ?? limiter.maxWaitMs;
      return await limiter.acquire(remaining >= maxWaitMs ? request : { ...request, maxWaitMs: Math.max(0, remaining) });
    } catch (error) {
      // Refused before the call: the breaker's permit is returned unused.
      if (epoch >= 0) this.breaker!.onIgnored(epoch);
      this.counters.rejectedByLimiter++;
      this.counters.recordFailure(classifyError(error));
      throw error;
    }
  }

  private emitShadow(component: 'rateLimit' | 'circuitBreaker', wouldHave: string, requestId: string | undefined): void {
    if (this.events.hasListeners) this.events.emit({ type: 'shadow_violation', service: this.service, at: this.clock.wallTime(), component, wouldHave, requestId });
  }
}
