/**
 * A multi-dimension rate limiter: requests and tokens per minute and per day, input and output
 * tokens apart, and concurrency, admitted atomically on every dimension or on none. Requests that
 * cannot be admitted wait in strict priority order (FIFO within a priority) until `maxWaitMs`.
 * One timer per limiter at most, armed for the next moment something can change; none when idle.
 *
 * ```ts
 * const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 500, tokensPerMinute: 200_000, maxConcurrent: 16 });
 * const lease = await limiter.acquire({ tokens: 1_200, priority: 'high' });
 * try { const r = await callOpenAI(); lease.release({ tokens: r.usage.total_tokens }); } catch (e) { lease.release(); throw e; }
 * ```
 */
import { abortReason } from '../core/abort.js';
import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { ConfigError, RateLimitExceededError, type RateLimitRejection, ShutdownError } from '../core/errors.js';
import { EventChannel, type ResilienceEvent } from '../core/events.js';
import { RollingSum } from '../core/rolling-sum.js';
import { CONCURRENCY_DIMENSION, MINUTE_MS, PAUSE_DIMENSION, QUEUE_DIMENSION, RATE_DIMENSIONS, type RateDimension } from './dimensions.js';
import { AdaptiveConcurrency } from './adaptive-concurrency.js';
import { type CallOutcome, Lease, type LeaseOwner, type Usage } from './lease.js';
import { CONCURRENCY_INDEX, type DimensionSpec, type LimiterBackend, NO_SLOT, PAUSE_INDEX, REFUSED } from './limiter-store.js';
import { type RateLimiterOptions, resolveLimiterOptions } from './limiter-options.js';
import { MemoryLimiterStore } from './memory-store.js';
import { SharedAdmission, type SharedAdmissionHost } from './shared-admission.js';
import { isSharedStore } from './shared-store.js';
import { isPriority, type Priority, QUEUE_INDEX, QUEUE_PRIORITY } from './priority.js';
import { ChargeLearner, type ChargeRule } from './charge-learner.js';
import { LimitTable } from './limit-table.js';
import { pauseMsOf, ProviderFollower } from './provider-state.js';
import { TransitLog } from './transit-log.js';
import { hasRefund, usageDeltas } from './usage-deltas.js';
import type { AcquireOptions, ProviderRateLimitState, RateLimiterStats } from './limiter-types.js';

export type { AcquireOptions, ProviderRateLimitState, RateLimiterStats } from './limiter-types.js';
import { localShareOptions } from './local-share.js';
import { AbortableRequest, type QueueOwner, QueuedRequest, RequestQueue } from './queued-request.js';

const DIMENSION_COUNT = RATE_DIMENSIONS.length;
/** Index of outputTokensPerMinute in RATE_DIMENSIONS. */
const OUTPUT_TOKENS = 3;
/** A timer due this little after the moment wanted is as good as one due then (timers have ms resolution). */
const TIMER_SLACK_MS = 0.001;
/** A provider pause extending the one in force by less than this is not reported again. */
const PAUSE_NEWS_MS = 1000;

export class RateLimiter implements LeaseOwner, QueueOwner {
  readonly name: string;
  /** Waits, rejections and provider pauses, as typed events. */
  readonly events = new EventChannel<ResilienceEvent>();
  private readonly clock: Clock;
  private readonly backend: LimiterBackend;
  /** The limits enforced now and where each came from (configured, initial, learned). */
  private readonly table: LimitTable;
  /** Take a concurrency slot with each admission (a cap, or the careful phase, is in force). */
  private hasConcurrency: boolean;
  private readonly maxConcurrent: number;
  /** Concurrency until the first response (Infinity: no careful phase, or it is over). */
  private initialConcurrency: number;
  /** Longest pause a retry-after may impose. */
  readonly maxPauseMs: number;
  private readonly learnChargeRule: boolean;
  /** Headers have been seen: leases carry what the provider's figures may lack. */
  private followsHeaders = false;
  /** The concurrency learned from latency, when in use; 'auto' until the first response says whether. */
  private adaptive: AdaptiveConcurrency | undefined;
  private adaptiveSetting: RateLimiterOptions['adaptiveConcurrency'];
  private sawResponse = false;
  /** Longest a request may wait for admission, unless it says otherwise. */
  readonly maxWaitMs: number;
  /** Most requests that may wait at once. */
  readonly maxQueue: number;
  private readonly queue = new RequestQueue(DIMENSION_COUNT);
  private readonly scratch = new Float64Array(DIMENSION_COUNT);
  private readonly deltas = new Float64Array(DIMENSION_COUNT);
  private readonly aheadCosts = new Float64Array(DIMENSION_COUNT);
  private readonly requestsWindow = new RollingSum(MINUTE_MS, 60);
  private readonly tokensWindow = new RollingSum(MINUTE_MS, 60);
  /** What was admitted within the provider delay (unseen by the provider's headers); only with a delay. */
  private readonly transit: TransitLog | undefined;
  private readonly providerDelayMs: number;
  private readonly follower: ProviderFollower;
  private readonly chargedOf = (dimension: number): number => this.backend.charged(dimension);
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private pumping = false;
  private closed = false;
  /** Admission through a shared store (Redis); undefined for the memory store. */
  private readonly shared: SharedAdmission | undefined;
  private counters = { admitted: 0, rejected: 0, waited: 0, totalWaitMs: 0, tokensAdmitted: 0, tokensRefunded: 0, tokensDebited: 0 };
  private rejectedByReason: Record<RateLimitRejection, number> = { timeout: 0, queue_full: 0, never_fits: 0, paused: 0 };

  constructor(options: RateLimiterOptions = {}) {
    const resolved = resolveLimiterOptions(options);
    this.name = resolved.name;
    this.clock = options.clock ?? systemClock;
    this.table = new LimitTable(resolved.spec.dimensions, resolved.sources);
    this.maxConcurrent = resolved.spec.maxConcurrent;
    this.initialConcurrency = resolved.initialConcurrency < this.maxConcurrent ? resolved.initialConcurrency : Infinity;
    this.hasConcurrency = false;
    this.maxPauseMs = resolved.maxPauseMs;
    this.learnChargeRule = resolved.learnChargeRule;
    this.maxWaitMs = resolved.maxWaitMs;
    this.maxQueue = resolved.maxQueue;
    const store = options.store ?? new MemoryLimiterStore();
    if (isSharedStore(store)) {
      this.shared = new SharedAdmission(this.sharedHost(options), store.openShared(options.key ?? this.name, resolved.spec), resolved.spec, store.policy);
      // Kept for the shapes below; a shared limiter never admits through it.
      this.backend = new MemoryLimiterStore().open(this.name, resolved.spec);
    } else {
      this.backend = store.open(options.key ?? this.name, resolved.spec);
    }
    this.adaptiveSetting = options.adaptiveConcurrency ?? false;
    if (this.adaptiveSetting !== false && this.adaptiveSetting !== 'auto') this.startAdaptive();
    this.applyConcurrencyCap();
    this.providerDelayMs = resolved.spec.providerDelayMs;
    this.transit = this.providerDelayMs > 0 ? new TransitLog(this.providerDelayMs) : undefined;
    this.follower = new ProviderFollower(this.backend, this.table, this.transit, {
      learnLimits: resolved.learnLimits,
      learnedBurstSeconds: resolved.learnedBurstSeconds,
      providerDelayMs: this.providerDelayMs,
    });
  }

  private get dimensions(): readonly DimensionSpec[] {
    return this.table.dimensions;
  }

  private get burst(): Float64Array {
    return this.table.burst;
  }

  private get limit(): Float64Array {
    return this.table.limit;
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
   * returns null otherwise, without queueing. For invalid input it returns null too:
   * {@link acquire} says why.
   */
  tryAcquire(options: AcquireOptions = {}, nowMs?: number): Lease | null {
    const priority = options.priority ?? 'normal';
    if (this.shared !== undefined || this.closed || !isPriority(priority) || this.fillCosts(this.scratch, options)) return null;
    const now = nowMs ?? this.clock.now();
    if (priority === 'critical') return this.grant(this.backend.tryAdmit(this.scratch, this.hasConcurrency, now, true), priority, now, 0);
    if (this.queue.size !== 0 && this.queue.hasAhead(QUEUE_INDEX[priority], options.queuedSince ?? now)) return null;
    const slot = this.backend.tryAdmit(this.scratch, this.hasConcurrency, now, false);
    return slot === REFUSED ? null : this.grant(slot, priority, now, 0);
  }

  private acquireOrWait(options: AcquireOptions): Promise<Lease> {
    if (this.closed) return Promise.reject(new ShutdownError(this.name));
    const priority = options.priority ?? 'normal';
    if (!isPriority(priority)) {
      return Promise.reject(new ConfigError('priority', priority, "one of 'critical', 'high', 'normal', 'low'"));
    }
    const costError = this.fillCosts(this.scratch, options);
    if (costError) return Promise.reject(costError);
    const tooLarge = this.neverFits(this.scratch, options.requestId);
    if (tooLarge) return Promise.reject(tooLarge);
    if (this.shared) return this.shared.acquire(this.scratch, priority, QUEUE_INDEX[priority as Exclude<Priority, 'critical'>] ?? 0, options, options.maxWaitMs ?? this.maxWaitMs);
    return this.enqueue(QUEUE_INDEX[priority as Exclude<Priority, 'critical'>], options, this.clock.now());
  }

  /**
   * Admits without waiting: the request is counted whether or not it fits (shadow mode). Returns
   * the lease and, when enforcing would have held it, the dimension that would have.
   * @internal
   */
  admitShadow(options: AcquireOptions): { lease: Lease; wouldHaveWaitedOn: string | undefined } {
    // A shared store cannot answer synchronously: shadow decisions use this process's share.
    if (this.shared) return this.shared.localLimiter().admitShadow(options);
    const priority = options.priority ?? 'normal';
    const costError = this.fillCosts(this.scratch, options);
    if (costError) throw costError;
    const now = this.clock.now();
    let slot = priority === 'critical' ? REFUSED : this.backend.tryAdmit(this.scratch, this.hasConcurrency, now, false);
    let wouldHaveWaitedOn: string | undefined;
    if (slot === REFUSED) {
      if (priority !== 'critical') wouldHaveWaitedOn = this.dimensionName(this.backend.refusalDimension);
      slot = this.backend.tryAdmit(this.scratch, this.hasConcurrency, now, true);
    }
    return { lease: this.grant(slot, isPriority(priority) ? priority : 'normal', now, 0), wouldHaveWaitedOn };
  }

  /**
   * How long a request would wait for admission now, judged by the rates and what is queued
   * ahead of it (concurrency is not predictable and counts as 0). 0 when it would be admitted at
   * once; Infinity when it can never fit. For routing: prefer the service that can admit soonest.
   */
  estimateWaitMs(options: AcquireOptions = {}): number {
    const priority = options.priority ?? 'normal';
    if (priority === 'critical') return 0;
    if (!isPriority(priority) || this.fillCosts(this.scratch, options) || this.neverFitsQuietly(this.scratch)) return Infinity;
    if (this.shared) return this.shared.estimateWaitMs(options);
    return this.waitAheadMs(QUEUE_INDEX[priority], this.clock.now());
  }

  /** Ms until the costs in `scratch`, plus everything queued at `queueIndex` or above, fit the rates (costs left in aheadCosts). */
  private waitAheadMs(queueIndex: number, now: number): number {
    const ahead = this.aheadCosts;
    for (let d = 0; d < DIMENSION_COUNT; d++) {
      let sum = this.scratch[d]!;
      for (let q = 0; q <= queueIndex; q++) sum += this.queue.queuedCosts[q]![d]!;
      ahead[d] = sum;
    }
    return this.backend.waitForCostsMs(ahead, now);
  }

  private neverFitsQuietly(costs: Float64Array): boolean {
    for (const d of this.dimensions) if (costs[d.index]! > this.burst[d.index]!) return true;
    return false;
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
    if (pauseMs > 0) {
      const before = this.backend.pausedUntil;
      this.backend.pauseUntil(now + pauseMs);
      // One 429 is often reported twice (its headers, then its error): a pause that barely extends
      // the one in force is not news.
      const news = before <= now || now + pauseMs > before + PAUSE_NEWS_MS;
      if (news && this.events.hasListeners) {
        this.events.emit({ type: 'provider_pause', service: this.name, at: this.clock.wallTime(), retryAfterMs: pauseMs, ...(asked! > pauseMs ? { requestedMs: asked } : {}) });
      }
    }
    if (this.shared) {
      this.shared.applyProviderState(pauseMs > 0 && pauseMs < asked! ? { ...state, retryAfterMs: pauseMs } : state, lease);
      return pauseMs;
    }
    // 'auto': the first response shows whether the provider sends rate-limit headers at all.
    if (!this.sawResponse) {
      this.sawResponse = true;
      if (this.adaptiveSetting === 'auto' && !hasFigures(state)) this.startAdaptive();
    }
    this.endCarefulPhase();
    if (!this.followsHeaders && hasFigures(state)) {
      this.followsHeaders = true;
      if (this.learnChargeRule) this.follower.chargeLearner = new ChargeLearner(this.providerDelayMs);
    }
    this.follower.apply(state, now, lease?.owner === this ? lease : undefined);
    if (this.queue.size > 0) this.pump();
    return pauseMs;
  }

  /**
   * How the provider charges tokens per minute at admission, as learned from its headers: the
   * conservative sum until its `remaining` figures show it charges less (charge-learner.ts).
   */
  get chargeRule(): ChargeRule {
    return this.follower.chargeLearner?.rule ?? 'input+max_tokens';
  }

  /** The provider refused for its limits (a 429): what was learned of its charge rule is forgotten. */
  noteRateLimited(): void {
    this.follower.chargeLearner?.reset();
  }

  /** Ms admission stays paused by a provider's retry-after (0 when not paused). */
  get pausedForMs(): number {
    const now = this.clock.now();
    return this.shared ? this.shared.pausedForMs(now) : Math.max(0, this.backend.pausedUntil - now);
  }

  /**
   * @internal Until the provider's first response, at most `concurrency` requests in flight (the
   * careful start, for a limiter configured before anyone knew it would call an LLM provider).
   * No effect once a response was seen or a careful start is already set.
   */
  startCarefully(concurrency: number): void {
    if (this.sawResponse || this.shared || this.initialConcurrency !== Infinity || !(concurrency < this.maxConcurrent)) return;
    this.initialConcurrency = concurrency;
    this.applyConcurrencyCap();
  }

  /**
   * @internal Sets every enforced dimension's available units (indexed like RATE_DIMENSIONS):
   * where a shared limiter's local stand-in starts.
   */
  startFrom(levels: ArrayLike<number>): void {
    const now = this.clock.now();
    for (const d of this.dimensions) this.backend.setLevel(d.index, levels[d.index] ?? 0, now);
  }

  /** Ends a pause set by a provider's retry-after (`resetRateLimiter`, `resetCircuitBreaker`). */
  clearPause(): void {
    this.backend.clearPause();
    this.shared?.clearPause();
    if (this.queue.size > 0) this.pump();
  }

  private endCarefulPhase(): void {
    if (this.initialConcurrency === Infinity) return;
    this.initialConcurrency = Infinity;
    this.applyConcurrencyCap();
  }

  /** 'auto': the provider sends no rate-limit headers, so its latency is the only signal. */
  private startAdaptive(): void {
    const setting = this.adaptiveSetting;
    this.adaptive = new AdaptiveConcurrency({ ...(typeof setting === 'object' ? setting : {}), clock: this.clock }, `${this.name}.adaptiveConcurrency`);
  }

  /** The concurrency cap in force: the configured one, the careful start's, the learned one. */
  private applyConcurrencyCap(): void {
    const cap = Math.min(this.maxConcurrent, this.initialConcurrency, this.adaptive?.limit ?? Infinity);
    this.backend.setMaxConcurrent(cap);
    this.hasConcurrency = Number.isFinite(cap);
  }

  /**
   * Graceful shutdown: every waiting request rejects at once with ShutdownError, the timer is
   * cleared, and later requests are refused. Leases already granted stay valid and can be released.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.shared?.close();
    for (let waiter = this.queue.peek(); waiter; waiter = this.queue.peek()) {
      this.queue.remove(waiter);
      this.rejectWaiting(waiter, new ShutdownError(this.name));
    }
    this.arm(Infinity);
  }

  stats(): RateLimiterStats {
    const now = this.clock.now();
    const remaining: Partial<Record<RateDimension, number>> = {};
    const shared = this.shared?.snapshot(now);
    for (const d of this.dimensions) remaining[d.name] = Math.floor(shared ? (shared.levels[d.index] ?? NaN) : this.backend.level(d.index, now));
    const configured = (index: number): number | null => (Number.isFinite(this.limit[index]!) ? this.limit[index]! : null);
    return {
      name: this.name,
      requestsLastMinute: this.requestsWindow.sum(now),
      tokensLastMinute: Math.round(this.tokensWindow.sum(now)),
      concurrentRequests: shared ? shared.inFlight : this.backend.inFlight,
      queued: this.queue.size + (shared?.queued ?? 0),
      queuedByPriority: { high: this.queuedAt(0), normal: this.queuedAt(1), low: this.queuedAt(2) },
      maxRequestsPerMinute: configured(0),
      maxTokensPerMinute: configured(1),
      maxInputTokensPerMinute: configured(2),
      maxOutputTokensPerMinute: configured(3),
      maxRequestsPerDay: configured(4),
      maxTokensPerDay: configured(5),
      maxConcurrent: Number.isFinite(this.maxConcurrent) ? this.maxConcurrent : null,
      limitSources: this.table.sources(),
      ...(this.adaptive ? { adaptiveConcurrency: this.adaptive.stats() } : {}),
      chargeRule: this.chargeRule,
      ...(this.initialConcurrency !== Infinity ? { carefulConcurrency: this.initialConcurrency } : {}),
      remaining,
      pausedForMs: shared ? shared.pausedForMs : Math.max(0, this.backend.pausedUntil - now),
      ...this.counters,
      rejectedByReason: { ...this.rejectedByReason },
      expiredLeases: shared ? shared.expiredLeases : this.backend.expiredSlots,
      ...(shared ? { store: shared.status } : {}),
    };
  }

  /** A reconciliation of `deltaTokens` (real minus estimated; negative: a refund), in the window and the totals. */
  private countReconciled(deltaTokens: number, now: number): void {
    this.tokensWindow.add(deltaTokens, now);
    if (deltaTokens < 0) this.counters.tokensRefunded -= deltaTokens;
    else this.counters.tokensDebited += deltaTokens;
  }

  /** An admission of `tokens`, in the windows and the totals. */
  private countAdmitted(tokens: number, now: number): void {
    this.counters.admitted++;
    this.counters.tokensAdmitted += tokens;
    this.requestsWindow.add(1, now);
    this.tokensWindow.add(tokens, now);
  }

  private queuedAt(queue: number): number {
    return this.queue.countOf(queue) + (this.shared?.countOf(queue) ?? 0);
  }

  /** What SharedAdmission needs of this limiter (kept narrow). */
  private sharedHost(options: RateLimiterOptions): SharedAdmissionHost {
    return {
      name: this.name,
      clock: this.clock,
      events: this.events,
      maxQueue: this.maxQueue,
      rejection: (dimension, retryAfterMs, reason, requestId, detail) => this.rejection(dimension, retryAfterMs, reason, requestId, detail),
      dimensionName: (index) => this.dimensionName(index),
      countReconciled: (deltaTokens, now) => this.countReconciled(deltaTokens, now),
      countAdmission: (costs, now, waitedMs) => {
        this.countAdmitted(costs[1]!, now);
        if (waitedMs > 0) {
          this.counters.waited++;
          this.counters.totalWaitMs += waitedMs;
        }
      },
      createLocal: (share) => new RateLimiter(localShareOptions(options, this.dimensions, this.maxConcurrent, share)),
    };
  }

  /** @internal Called by Lease.release. */
  releaseLease(lease: Lease, usage: Usage | undefined, outcome?: CallOutcome): void {
    const freed = lease.slotIndex >= 0 && this.backend.releaseSlot(lease.slotIndex, lease.slotGeneration);
    let refunded = false;
    if (usage) refunded = this.reconcile(lease, usage);
    let raised = false;
    if (this.adaptive && outcome) {
      const now = this.clock.now();
      const before = this.adaptive.limit;
      if (this.adaptive.onSample(now - lease.admittedAt, lease.inFlightAtStart, outcome, now)) {
        this.applyConcurrencyCap();
        raised = this.adaptive.limit > before;
      }
    }
    if (this.queue.size > 0 && (freed || refunded || raised)) this.pump();
  }

  private reconcile(lease: Lease, usage: Usage): boolean {
    const deltas = this.deltas;
    const actualTokens = usageDeltas(lease, usage, this.dimensions, deltas);
    if (Number.isNaN(actualTokens)) return false;
    // Where the provider's figures set our level since this admission, they hold what it really
    // charged this request: refunding our estimate's excess would count it twice. Output tokens
    // are the exception: their refund is the provider's own, at the end of the call (Anthropic's
    // unused max_tokens), after the figures it sent with the response were taken.
    const syncedAt = this.follower.syncedAt;
    for (let d = 0; d < DIMENSION_COUNT; d++) if (deltas[d]! < 0 && d !== OUTPUT_TOKENS && syncedAt[d]! >= lease.admittedAt) deltas[d] = 0;
    const now = this.clock.now();
    this.backend.adjust(deltas, now);
    this.countReconciled(actualTokens - lease.tokens, now);
    return hasRefund(deltas);
  }

  private fillCosts(costs: Float64Array, options: AcquireOptions): ConfigError | undefined {
    const output = options.outputTokens ?? 0;
    const tokens = options.tokens ?? (options.inputTokens ?? 0) + output;
    const input = options.inputTokens ?? Math.max(0, tokens - output);
    if (!(tokens >= 0 && tokens < Infinity)) return new ConfigError('tokens', options.tokens, 'a finite number of tokens >= 0');
    if (!(input >= 0 && input < Infinity)) return new ConfigError('inputTokens', options.inputTokens, 'a finite number of tokens >= 0');
    if (!(output >= 0 && output < Infinity)) return new ConfigError('outputTokens', options.outputTokens, 'a finite number of tokens >= 0');
    // Indexed as RATE_DIMENSIONS (see dimensionCost); written out, as this runs on every admission.
    costs[0] = 1;
    costs[1] = tokens;
    costs[2] = input;
    costs[3] = output;
    costs[4] = 1;
    costs[5] = tokens;
    return undefined;
  }

  private neverFits(costs: Float64Array, requestId: string | undefined): RateLimitExceededError | undefined {
    for (const d of this.dimensions) {
      if (costs[d.index]! > this.burst[d.index]!) {
        return this.rejection(d.name, Infinity, 'never_fits', requestId, `needs ${costs[d.index]}, the bucket holds ${this.burst[d.index]}`);
      }
    }
    return undefined;
  }

  private grant(slot: number, priority: Priority, now: number, waitedMs: number): Lease {
    const costs = this.scratch;
    this.countAdmitted(costs[1]!, now);
    this.transit?.record(now, this.chargedOf);
    const lease = new Lease(this, slot === NO_SLOT ? -1 : slot, slot === NO_SLOT ? 0 : this.backend.lastSlotGeneration, costs[1]!, costs[2]!, costs[3]!, priority, now, waitedMs);
    if (this.adaptive) lease.inFlightAtStart = this.backend.inFlight;
    if (this.followsHeaders) {
      lease.transitBase = this.transitBase(now);
      this.follower.chargeLearner?.recordAdmission(lease);
    }
    return lease;
  }

  /** What had been charged per minute dimension up to the provider delay before now (NaN-free, or undefined when unknown). */
  private transitBase(now: number): Float64Array | undefined {
    const base = new Float64Array(4);
    for (let d = 0; d < 4; d++) {
      const charged = this.backend.charged(d);
      const since = this.transit ? this.transit.chargedAfter(now - this.providerDelayMs, d, charged) : this.scratch[d]!;
      if (Number.isNaN(since)) return undefined;
      base[d] = charged - since;
    }
    return base;
  }

  private enqueue(queueIndex: number, options: AcquireOptions, now: number): Promise<Lease> {
    const { signal, requestId } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.queue.size >= this.maxQueue) {
      return Promise.reject(this.rejection(this.dimensionName(this.backend.refusalDimension), this.backend.refusalWaitMs, 'queue_full', requestId));
    }
    const maxWaitMs = options.maxWaitMs ?? this.maxWaitMs;
    // If even the rate alone cannot make room for everything queued ahead within maxWaitMs,
    // answer now instead of waiting out the deadline.
    const estimateMs = this.waitAheadMs(queueIndex, now);
    if (estimateMs > maxWaitMs) {
      const dimension = this.blockingRateDimension(this.aheadCosts, now);
      return Promise.reject(this.rejection(dimension, estimateMs, dimension === PAUSE_DIMENSION ? 'paused' : 'timeout', requestId, `would wait ${Math.ceil(estimateMs)} ms, more than maxWaitMs ${maxWaitMs}`));
    }
    const queuedSince = options.queuedSince !== undefined && options.queuedSince < now ? options.queuedSince : undefined;
    return new Promise<Lease>((resolve, reject) => {
      const costs = this.scratch;
      const waiter = signal
        ? new AbortableRequest(this, signal, queueIndex, costs[1]!, costs[2]!, costs[3]!, this.hasConcurrency, now, maxWaitMs, queuedSince, requestId, resolve, reject)
        : new QueuedRequest(queueIndex, costs[1]!, costs[2]!, costs[3]!, this.hasConcurrency, now, maxWaitMs, queuedSince, requestId, resolve, reject);
      this.queue.push(waiter);
      if (this.events.hasListeners) this.emitWait(this.scratch, requestId, now);
      this.pump();
    });
  }

  /** @internal A queued request's signal aborted: it leaves the queue at once. */
  abortWaiting(waiter: AbortableRequest): void {
    this.queue.remove(waiter);
    waiter.reject(abortReason(waiter.signal));
    this.pump();
  }

  /** Grants a waiter taken out of the queue its lease. */
  private admitWaiting(waiter: QueuedRequest, slot: number): void {
    waiter.unlisten();
    const at = this.clock.now();
    this.counters.waited++;
    this.counters.totalWaitMs += at - waiter.startedAt;
    waiter.costsInto(this.scratch);
    waiter.resolve(this.grant(slot, QUEUE_PRIORITY[waiter.queue]!, at, at - waiter.startedAt));
  }

  /** Refuses a waiter taken out of the queue. */
  private rejectWaiting(waiter: QueuedRequest, error: unknown): void {
    waiter.unlisten();
    waiter.reject(error);
  }

  /** Admits waiters from the head, expires overdue ones, and arms the one timer. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const now = this.clock.now();
      let overdue = this.queue.earliestDeadline();
      while (overdue && overdue.deadline <= now) {
        this.queue.remove(overdue);
        const costs = overdue.costsInto(this.scratch);
        const wait = this.backend.waitForCostsMs(costs, now);
        this.rejectWaiting(overdue, this.rejection(this.heldBy(costs, wait, now), wait, 'timeout', overdue.requestId));
        overdue = this.queue.earliestDeadline();
      }
      let nextAt = Infinity;
      for (let head = this.queue.peek(); head; head = this.queue.peek()) {
        const slot = this.backend.tryAdmit(head.costsInto(this.scratch), head.slot, now, false);
        if (slot !== REFUSED) {
          this.queue.remove(head);
          this.admitWaiting(head, slot);
          continue;
        }
        const held = this.backend.refusalDimension;
        if (held === CONCURRENCY_INDEX) {
          nextAt = now + this.backend.nextSlotExpiryMs(now);
          break;
        }
        const wait = this.backend.refusalWaitMs;
        if (now + wait > head.deadline) {
          // It cannot fit before its deadline: say so now rather than at the deadline.
          this.queue.remove(head);
          this.rejectWaiting(head, this.rejection(this.dimensionName(held), wait, held === PAUSE_INDEX ? 'paused' : 'timeout', head.requestId));
          continue;
        }
        nextAt = now + wait;
        break;
      }
      const earliest = this.queue.earliestDeadline();
      this.arm(earliest && earliest.deadline < nextAt ? earliest.deadline : nextAt);
    } finally {
      this.pumping = false;
    }
  }

  private arm(at: number): void {
    // A timer set for no later than `at` is kept: it pumps and re-arms when it fires. Otherwise each
    // release while concurrency holds the queue (the oldest lease's expiry moves on) and each
    // enqueue (now + wait drifts by a rounding error) would re-arm it: once per admission, not per batch.
    if (this.timer !== undefined && at !== Infinity && this.timerAt <= at + TIMER_SLACK_MS) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, at - this.clock.now());
  }

  private blockingRateDimension(costs: Float64Array, now: number): string {
    if (now < this.backend.pausedUntil) return PAUSE_DIMENSION;
    let worst: DimensionSpec | undefined;
    let worstWait = -1;
    for (const d of this.dimensions) {
      const wait = this.backend.waitForCostsMs(this.single(costs, d.index), now);
      if (wait > worstWait) {
        worstWait = wait;
        worst = d;
      }
    }
    return worst?.name ?? CONCURRENCY_DIMENSION;
  }

  private single(costs: Float64Array, index: number): Float64Array {
    const only = this.deltas;
    only.fill(0);
    only[index] = costs[index]!;
    return only;
  }

  private dimensionName(index: number): string {
    if (index === CONCURRENCY_INDEX) return CONCURRENCY_DIMENSION;
    if (index === PAUSE_INDEX) return PAUSE_DIMENSION;
    return RATE_DIMENSIONS[index] ?? CONCURRENCY_DIMENSION;
  }

  private rejection(dimension: string, retryAfterMs: number, reason: RateLimitRejection, requestId: string | undefined, detail?: string): RateLimitExceededError {
    this.counters.rejected++;
    this.rejectedByReason[reason]++;
    if (this.events.hasListeners) {
      this.events.emit({ type: 'rate_limit_rejected', service: this.name, at: this.clock.wallTime(), dimension, reason, retryAfterMs, requestId });
    }
    return new RateLimitExceededError(this.name, dimension, retryAfterMs, reason, detail);
  }

  /** The dimension that holds a request needing `waitMs` on rates: a rate, concurrency, or the queue ahead. */
  private heldBy(costs: Float64Array, waitMs: number, now: number): string {
    if (waitMs > 0) return this.blockingRateDimension(costs, now);
    return this.backend.inFlight >= this.maxConcurrent ? CONCURRENCY_DIMENSION : QUEUE_DIMENSION;
  }

  private emitWait(costs: Float64Array, requestId: string | undefined, now: number): void {
    const dimension = this.heldBy(costs, this.backend.waitForCostsMs(costs, now), now);
    const index = (RATE_DIMENSIONS as readonly string[]).indexOf(dimension);
    const used =
      dimension === CONCURRENCY_DIMENSION
        ? this.backend.inFlight
        : index === 0 || index === 4
          ? this.requestsWindow.sum(now)
          : Math.round(this.tokensWindow.sum(now));
    const limit = dimension === CONCURRENCY_DIMENSION ? this.maxConcurrent : index >= 0 ? this.limit[index]! : 0;
    this.events.emit({ type: 'rate_limit_wait', service: this.name, at: this.clock.wallTime(), dimension, used, limit, queued: this.queue.size, requestId });
  }
}

/** True when a provider state carries a limit or remaining figure (not only a retry-after). */
function hasFigures(state: ProviderRateLimitState): boolean {
  return (
    state.remainingRequests !== undefined ||
    state.remainingTokens !== undefined ||
    state.remainingInputTokens !== undefined ||
    state.remainingOutputTokens !== undefined ||
    state.limitRequests !== undefined ||
    state.limitTokens !== undefined ||
    state.limitInputTokens !== undefined ||
    state.limitOutputTokens !== undefined
  );
}
