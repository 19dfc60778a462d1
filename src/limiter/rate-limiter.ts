/**
 * A multi-dimension rate limiter: requests and tokens per minute and per day, input and output
 * tokens apart, and concurrency, admitted atomically on every dimension or on none, in this process
 * or across a fleet through a shared store (Redis). Requests that cannot be admitted wait in strict
 * priority order (FIFO within a priority) until `maxWaitMs`. The provider's own headers correct it
 * (limits learned, remaining budgets followed both ways, a 429's retry-after a pause for all).
 *
 * ```ts
 * const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 500, tokensPerMinute: 200_000, maxConcurrent: 16 });
 * const lease = await limiter.acquire({ tokens: 1_200, priority: 'high' });
 * try { const r = await callOpenAI(); lease.release({ tokens: r.usage.total_tokens }); } catch (e) { lease.release(); throw e; }
 * ```
 *
 * The parts: the queue (admission-queue.ts), where a token is reserved and what the headers do to
 * it (local-admission.ts, shared-admission.ts), what happens when Redis fails (failover-admission.ts).
 */
import { type Clock, systemClock } from '../core/clock.js';
import { ConfigError, ShutdownError } from '../core/errors.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import type { AdmitReply, Admission, Grant } from './admission.js';
import { AdmissionQueue } from './admission-queue.js';
import { RATE_DIMENSIONS } from './dimensions.js';
import { createAdmission } from './admission-factory.js';
import { ConcurrencyCap } from './concurrency-cap.js';
import type { FailoverAdmission } from './failover-admission.js';
import { type CallOutcome, Lease, type LeaseOwner, type Usage } from './lease.js';
import { LimitTable } from './limit-table.js';
import { dimensionName, LimiterMeter } from './limiter-meter.js';
import { type RateLimiterOptions, resolveLimiterOptions } from './limiter-options.js';
import { CONCURRENCY_INDEX, REFUSED } from './limiter-store.js';
import type { AcquireOptions, ProviderRateLimitState, RateLimiterStats } from './limiter-types.js';
import { limiterStats } from './limiter-stats.js';
import { LocalAdmission } from './local-admission.js';
import { isPriority, type Priority, QUEUE_INDEX, QUEUE_PRIORITY } from './priority.js';
import { pauseMsOf } from './provider-state.js';
import { CriticalRequest, type QueuedRequest, type RequestQueue } from './queued-request.js';
import { fillCosts } from './request-costs.js';
import type { ChargeRule } from './charge-learner.js';
import { usageDeltas } from './usage-deltas.js';
import { heldBy, neverFits } from './limiter-checks.js';

export type { AcquireOptions, ProviderRateLimitState, RateLimiterStats } from './limiter-types.js';

/** A provider pause extending the one in force by less than this is not reported again. */
const PAUSE_NEWS_MS = 1000;
/** tryAcquire's costs: read within the call, so every limiter can share them (one hot array, not one per limiter). */
const COSTS = new Float64Array(RATE_DIMENSIONS.length);

export class RateLimiter implements LeaseOwner {
  // First what an admission at once reads (with thousands of limiters, each object it touches is
  // a cache miss of its own: it reads the queue's requests and the cap's `learning` from here).
  /** The admission when it is in this process (the synchronous fast path), else undefined. */
  private readonly local: LocalAdmission | undefined;
  private closed = false;
  private readonly requests: RequestQueue;
  private readonly meter: LimiterMeter;
  private readonly admission: Admission;
  /** `cap.learning`, which changes only when the cap is told of a response. */
  private learning: boolean;
  private readonly clock: Clock;
  readonly name: string;
  /** Longest a request may wait for admission, unless it says otherwise. */
  readonly maxWaitMs: number;
  /** Most requests that may wait at once. */
  readonly maxQueue: number;
  /** Longest pause a retry-after may impose. */
  readonly maxPauseMs: number;
  /** The limits enforced now and where each came from (configured, initial, learned). */
  private readonly table: LimitTable;
  private readonly queue: AdmissionQueue;
  private readonly scratch = new Float64Array(RATE_DIMENSIONS.length);
  private readonly deltas = new Float64Array(RATE_DIMENSIONS.length);
  private readonly cap: ConcurrencyCap;

  constructor(options: RateLimiterOptions = {}) {
    const resolved = resolveLimiterOptions(options);
    this.name = resolved.name;
    this.clock = options.clock ?? systemClock;
    this.table = new LimitTable(resolved.spec.dimensions, resolved.sources);
    this.maxPauseMs = resolved.maxPauseMs;
    this.maxWaitMs = resolved.maxWaitMs;
    this.maxQueue = resolved.maxQueue;
    this.meter = new LimiterMeter(this.name, this.clock);
    this.admission = createAdmission(options, resolved, this.table, { name: this.name, clock: this.clock, events: this.meter.events, wake: () => this.queue.pump() });
    this.local = this.admission instanceof LocalAdmission ? this.admission : undefined;
    const maxConcurrent = resolved.spec.maxConcurrent;
    this.queue = new AdmissionQueue(
      {
        name: this.name, clock: this.clock, maxQueue: this.maxQueue,
        lease: (request, grant, reply, at, waitedMs) => this.leaseOf(request, grant, reply, at, waitedMs),
        heldBy: (costs, waitMs, now) => heldBy(this.admission, maxConcurrent, costs, waitMs, now),
        rejection: (dimension, retryAfterMs, reason, requestId, detail) => this.meter.rejection(dimension, retryAfterMs, reason, requestId, detail),
        waiting: (costs, requestId, now) => this.waiting(costs, requestId, now),
      },
      this.admission,
      RATE_DIMENSIONS.length,
    );
    this.requests = this.queue.requests;
    this.cap = new ConcurrencyCap(this.admission, maxConcurrent, resolved.initialConcurrency, options.adaptiveConcurrency, this.clock, this.name);
    this.learning = this.cap.learning;
  }

  /** Waits, rejections and provider pauses, as typed events. */
  get events(): EventChannel<ResilienceEvent> {
    return this.meter.events;
  }

  /**
   * Waits for admission on every configured dimension. Resolves with a {@link Lease} to release
   * when the call is done; rejects with RateLimitExceededError (timeout, full queue, a request
   * that can never fit) or with the signal's reason when aborted.
   */
  acquire(options: AcquireOptions = {}): Promise<Lease> {
    const lease = this.tryAcquire(options);
    return lease ? Promise.resolve(lease) : this.acquireOrWait(options);
  }

  /**
   * Admits at once when the request fits now (and nobody of its priority or higher waits);
   * returns null otherwise, without queueing, and always through a shared store (a round trip
   * away). For invalid input it returns null too: {@link acquire} says why.
   */
  tryAcquire(options: AcquireOptions = {}, nowMs?: number): Lease | null {
    const local = this.local;
    const priority = options.priority ?? 'normal';
    if (local === undefined || this.closed || !isPriority(priority) || fillCosts(COSTS, options)) return null;
    const now = nowMs ?? this.clock.now();
    const critical = priority === 'critical';
    if (!critical && this.requests.size !== 0 && this.requests.hasAhead(QUEUE_INDEX[priority], options.queuedSince ?? now)) return null;
    const tokens = COSTS[1]!, input = COSTS[2]!, output = COSTS[3]!;
    if (local.tryAdmit(COSTS, local.slotted, now, critical) === REFUSED) return null;
    return this.lease(tokens, input, output, priority, local.grant, local.lastReply, now, undefined);
  }

  private acquireOrWait(options: AcquireOptions): Promise<Lease> {
    if (this.closed) return Promise.reject(new ShutdownError(this.name));
    const priority = options.priority ?? 'normal';
    if (!isPriority(priority)) return Promise.reject(new ConfigError('priority', priority, "one of 'critical', 'high', 'normal', 'low'"));
    const costError = fillCosts(this.scratch, options);
    if (costError) return Promise.reject(costError);
    const tooLarge = neverFits(this.table, this.scratch);
    if (tooLarge) return Promise.reject(this.meter.rejection(tooLarge.index, Infinity, 'never_fits', options.requestId, tooLarge.detail));
    const now = this.clock.now();
    if (priority === 'critical') return this.queue.critical(this.scratch, this.cap.hasConcurrency, now);
    return this.queue.enqueue(QUEUE_INDEX[priority], this.scratch, this.cap.hasConcurrency, options, options.maxWaitMs ?? this.maxWaitMs, now);
  }

  /**
   * Admits without waiting: the request is counted whether or not it fits (shadow mode). Returns
   * the lease and, when enforcing would have held it, the dimension that would have. Through a
   * shared store, this process's share of the limits decides (synchronously).
   * @internal
   */
  admitShadow(options: AcquireOptions): { lease: Lease; wouldHaveWaitedOn: string | undefined } {
    const local = this.local ?? (this.admission as FailoverAdmission).localShare();
    const priority = options.priority ?? 'normal';
    const costError = fillCosts(this.scratch, options);
    if (costError) throw costError;
    const now = this.clock.now();
    let wouldHaveWaitedOn: string | undefined;
    if (priority === 'critical' || local.tryAdmit(this.scratch, this.cap.hasConcurrency, now, false) === REFUSED) {
      if (priority !== 'critical') wouldHaveWaitedOn = dimensionName(local.backend.refusalDimension);
      local.tryAdmit(this.scratch, this.cap.hasConcurrency, now, true);
    }
    const lease = this.lease(this.scratch[1]!, this.scratch[2]!, this.scratch[3]!, isPriority(priority) ? priority : 'normal', local.grant, local.lastReply, now, undefined);
    return { lease, wouldHaveWaitedOn };
  }

  /**
   * How long a request would wait for admission now, judged by the rates and what is queued
   * ahead of it (concurrency is not predictable and counts as 0). 0 when it would be admitted at
   * once; Infinity when it can never fit. For routing: prefer the service that can admit soonest.
   */
  estimateWaitMs(options: AcquireOptions = {}): number {
    const priority = options.priority ?? 'normal';
    if (priority === 'critical') return 0;
    if (!isPriority(priority) || fillCosts(this.scratch, options) || neverFits(this.table, this.scratch)) return Infinity;
    return this.queue.waitAheadMs(this.scratch, QUEUE_INDEX[priority], this.clock.now());
  }

  /**
   * Corrects the limiter with what the provider's headers say (see {@link ProviderRateLimitState}
   * and provider-state.ts): limits are adopted (a configured one is a ceiling), the remaining
   * budget moves our view up or down (less what the provider cannot have seen yet), and a
   * retry-after pauses admission for every caller, for at most `maxPauseMs`. `lease`: the
   * admission of the request whose response carried the headers (without it the remaining budget
   * may only lower our view). The first call ends the careful phase (`initialConcurrency`).
   * Returns the pause applied, in ms (0 when none).
   */
  applyProviderState(state: ProviderRateLimitState, lease?: Lease): number {
    const now = this.clock.now();
    const asked = pauseMsOf(state);
    const pauseMs = asked === undefined ? 0 : Math.min(asked, this.maxPauseMs);
    if (pauseMs > 0 && this.events.hasListeners) {
      // One 429 is often reported twice (its headers, then its error): a pause that barely extends
      // the one in force is not news.
      const pausedFor = this.admission.pausedForMs(now);
      if (pausedFor === 0 || pauseMs > pausedFor + PAUSE_NEWS_MS) {
        this.events.emit({ type: 'provider_pause', service: this.name, at: this.clock.wallTime(), retryAfterMs: pauseMs, ...(asked! > pauseMs ? { requestedMs: asked } : {}) });
      }
    }
    const followed = pauseMs > 0 && pauseMs < asked! ? { ...state, retryAfterMs: pauseMs } : state;
    this.admission.follow(followed, pauseMs, lease?.owner === this ? lease : undefined, now);
    // A shared store's figures take effect on its next batch: no round trip per response.
    if (this.admission.shared) return pauseMs;
    this.cap.responded(state);
    this.learning = this.cap.learning;
    if (this.requests.size > 0) this.queue.pump();
    return pauseMs;
  }

  /**
   * How the provider charges tokens per minute at admission, as learned from its headers: the
   * conservative sum until its `remaining` figures show it charges less (charge-learner.ts).
   */
  get chargeRule(): ChargeRule {
    return this.admission.chargeRule;
  }

  /** The provider refused for its limits (a 429): what was learned of its charge rule is forgotten. */
  noteRateLimited(): void {
    this.admission.noteRateLimited(this.clock.now());
  }

  /** Ms admission stays paused by a provider's retry-after (0 when not paused). */
  get pausedForMs(): number {
    return this.admission.pausedForMs(this.clock.now());
  }

  /**
   * @internal Until the provider's first response, at most `concurrency` requests in flight (the
   * careful start, for a limiter configured before anyone knew it would call an LLM provider).
   * No effect once a response was seen or a careful start is already set.
   */
  startCarefully(concurrency: number): void {
    this.cap.startCarefully(concurrency);
  }

  /** Ends a pause set by a provider's retry-after (`resetRateLimiter`, `resetCircuitBreaker`). */
  clearPause(): void {
    this.admission.clearPause();
    if (this.requests.size > 0) this.queue.pump();
  }

  /**
   * Graceful shutdown: every waiting request rejects at once with ShutdownError, the timer is
   * cleared, and later requests are refused. Leases already granted stay valid and can be released.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.admission.close();
  }

  stats(): RateLimiterStats {
    return limiterStats(
      { name: this.name, table: this.table, admission: this.admission, queue: this.requests, meter: this.meter, maxConcurrent: this.cap.maxConcurrent, chargeRule: this.chargeRule },
      this.cap.stats(),
      this.clock.now(),
    );
  }

  /** @internal Called by Lease.release. */
  releaseLease(lease: Lease, usage: Usage | undefined, outcome?: CallOutcome): void {
    const now = this.clock.now();
    let deltas: Float64Array | null = null;
    if (usage) {
      const actualTokens = usageDeltas(lease, usage, this.table.dimensions, this.deltas);
      if (!Number.isNaN(actualTokens)) {
        deltas = this.deltas;
        this.meter.reconciled(actualTokens - lease.tokens, now);
      }
    }
    const freed = this.admission.release(lease, deltas, now);
    const raised = this.learning && this.cap.sampled(lease, outcome, now);
    if (this.requests.size > 0 && (freed || raised)) this.queue.pump();
  }

  private leaseOf(request: QueuedRequest, grant: Grant, reply: AdmitReply, at: number, waitedMs: number): Lease {
    const priority = request instanceof CriticalRequest ? 'critical' : QUEUE_PRIORITY[request.queue]!;
    return this.lease(request.tokens, request.inputTokens, request.outputTokens, priority, grant, reply, at, priority === 'critical' ? undefined : waitedMs);
  }

  /** A lease for an admission; `waitedMs` undefined when it did not queue. */
  private lease(tokens: number, input: number, output: number, priority: Priority, grant: Grant, reply: AdmitReply, at: number, waitedMs: number | undefined): Lease {
    this.meter.admitted(tokens, at, waitedMs);
    const lease = new Lease(this, grant.slot, grant.generation, tokens, input, output, priority, at, waitedMs ?? 0);
    this.admission.admitted(lease, grant, reply, at);
    if (this.learning) lease.inFlightAtStart = this.admission.inFlight;
    return lease;
  }

  private waiting(costs: Float64Array, requestId: string | undefined, now: number): void {
    if (!this.events.hasListeners) return;
    const dimension = heldBy(this.admission, this.cap.maxConcurrent, costs, this.admission.waitForCostsMs(costs, now), now);
    const limit = dimension === CONCURRENCY_INDEX ? this.cap.maxConcurrent : (this.table.limit[dimension] ?? 0);
    this.meter.waiting(dimension, limit, this.admission.inFlight, this.requests.size, requestId, now);
  }
}
