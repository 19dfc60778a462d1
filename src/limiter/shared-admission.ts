/**
 * Admission through a shared store (Redis): the limiter's queue, priorities and deadlines stay in
 * this process; the head of the queue goes to the store in one batch per round trip (requests that
 * arrive during a round trip ride the next one), and the store admits in order until the first
 * request that does not fit, answering how long until it would: the queue sleeps exactly that long.
 *
 * Concurrency leases live in the store with a TTL, renewed while their calls run, so a killed
 * process frees its slots when the TTL expires. When the store fails or does not answer in time,
 * the fail mode decides: a local limiter with this process's share of the limits (default),
 * admitting without shared limits ('open'), or refusing with a StoreError ('closed'). The store is
 * tried again every probe interval; when it answers, what the local limiter spent is charged to it
 * and admission is shared again.
 */
import { abortReason } from '../core/abort.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { messageOf, type RateLimitExceededError, type RateLimitRejection, ShutdownError, StoreError } from '../core/errors.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import { RATE_DIMENSIONS } from './dimensions.js';
import { Lease, type LeaseOwner, type Usage } from './lease.js';
import { CONCURRENCY_INDEX, PAUSE_INDEX, type LimiterSpec } from './limiter-store.js';
import type { AcquireOptions, ProviderRateLimitState } from './limiter-types.js';
import type { Priority } from './priority.js';
import type { RateLimiter } from './rate-limiter.js';
import { pauseMsOf } from './provider-state.js';
import { SharedProviderState } from './shared-provider-state.js';
import type { SharedAdmitReply, SharedAdmitRequest, SharedGrant, SharedLimiterBackend, SharedLimiterState, SharedStorePolicy, StoreFailMode } from './shared-store.js';

const STATE_REFRESH_MS = 1000;
/** How often an active process says it is live (the local share while the store is down is 1 / the live processes). */
const HELLO_INTERVAL_MS = 1000;
import { hasRefund, usageDeltas } from './usage-deltas.js';
import { WaitQueue, type Waiter } from './wait-queue.js';

/** What the shared admission needs from the limiter that owns it. */
export interface SharedAdmissionHost {
  readonly name: string;
  readonly clock: Clock;
  readonly events: EventChannel<ResilienceEvent>;
  readonly maxQueue: number;
  rejection(dimension: string, retryAfterMs: number, reason: RateLimitRejection, requestId: string | undefined, detail?: string): RateLimitExceededError;
  dimensionName(index: number): string;
  /** Counts a reconciliation of `deltaTokens` (real minus estimated; negative: a refund). */
  countReconciled(deltaTokens: number, now: number): void;
  /** Counts an admission (stats windows and counters). */
  countAdmission(costs: Float64Array, now: number, waitedMs: number): void;
  /** A memory limiter holding `share` of the limits, for local mode. */
  createLocal(share: number): RateLimiter;
}

/** Where admission goes now. */
export type StoreMode = 'shared' | StoreFailMode;

/** The shared store's state, for stats and health. */
export interface SharedStoreStatus {
  /** 'shared' when the store answers; otherwise the fail mode in force. */
  mode: StoreMode;
  healthy: boolean;
  /** Processes seen live on this limiter (the local share is 1 / this unless configured). */
  liveProcesses: number;
  /** Another process uses different limits. */
  configMismatch: boolean;
  /** The last store failure's message (never a secret: it is the store's). */
  lastError: string | undefined;
  /** Ms since the store stopped answering (0 when healthy). */
  downForMs: number;
}

interface SharedWaiter extends Waiter {
  readonly priority: Priority;
  /** Taken out of the queue and sent to the store; an abort then only marks it. */
  sent: boolean;
  /** Has been in a batch: its deadline is only enforced once the store has been asked (maxWaitMs 0 = ask once). */
  asked: boolean;
  /** Admitted with a delay and waiting to start: cancels the start and gives the admission back. */
  cancelStart: ((error: unknown) => void) | undefined;
  settled: boolean;
  /** Resolves with a lease made elsewhere (local or open mode). */
  readonly resolveWith: (lease: Lease) => void;
}

/** Lease owner for 'open' mode: nothing to give back. */
const UNLIMITED: LeaseOwner = { releaseLease: () => undefined };

export class SharedAdmission implements LeaseOwner {
  private readonly queue = new WaitQueue(RATE_DIMENSIONS.length);
  private readonly slots = new Map<Lease, string>();
  /** Admitted with a delay, waiting for their start. */
  private readonly starting = new Set<SharedWaiter>();
  private readonly deltas = new Float64Array(RATE_DIMENSIONS.length);
  private readonly processId = globalThis.crypto.randomUUID();
  private readonly provider: SharedProviderState;
  private mode: StoreMode = 'shared';
  private local: RateLimiter | undefined;
  private running = false;
  private closed = false;
  private nap: { timer: TimerHandle; wake: () => void } | undefined;
  private maintenance: TimerHandle | undefined;
  private probe: TimerHandle | undefined;
  private downSince = 0;
  private lastError: string | undefined;
  private liveProcesses = 1;
  private lastHelloAt = -Infinity;
  /**
   * No request can start before this (a reservation was made for it, or the store is paused):
   * a later request waits at least until then, so one that cannot wait that long is refused
   * without a round trip. A refund may free room sooner, so it clears this.
   */
  private blockedUntil = -Infinity;
  /** The dimension that set blockedUntil. */
  private blockedOn = -1;
  private mismatchReported = false;
  private state: SharedLimiterState | undefined;
  private stateAskedAt = -Infinity;
  /** The store has answered an admission since this process started. */
  private storeAnswered = false;
  /** When the local limiter of this outage started, and from which levels. */
  private localStart: { at: number; levels: Float64Array } | undefined;

  constructor(
    private readonly host: SharedAdmissionHost,
    private readonly backend: SharedLimiterBackend,
    private readonly spec: LimiterSpec,
    private readonly policy: SharedStorePolicy,
  ) {
    this.provider = new SharedProviderState(backend, spec, this, (error) => this.storeFailed(error));
  }

  /** Queues a request (costs already validated) and admits it through the store. */
  acquire(costs: Float64Array, priority: Priority, queueIndex: number, options: AcquireOptions, maxWaitMs: number): Promise<Lease> {
    const { signal, requestId } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const now = this.host.clock.now();
    if (this.mode !== 'shared') return this.admitWhileDown(Float64Array.from(costs), priority, options, now + maxWaitMs, now);
    if (priority === 'critical') return this.admitCritical(Float64Array.from(costs), now);
    // The store's last answer already puts the next start beyond this request's wait: no round trip.
    if (this.blockedUntil - now > maxWaitMs) {
      const waitMs = this.blockedUntil - now;
      return Promise.reject(this.host.rejection(this.host.dimensionName(this.blockedOn), waitMs, this.blockedOn === PAUSE_INDEX ? 'paused' : 'timeout', requestId, `would wait ${Math.ceil(waitMs)} ms, more than maxWaitMs ${maxWaitMs}`));
    }
    if (this.queue.size >= this.host.maxQueue) {
      return Promise.reject(this.host.rejection(this.host.dimensionName(CONCURRENCY_INDEX), Math.max(0, this.blockedUntil - now), 'queue_full', requestId));
    }
    return new Promise<Lease>((resolve, reject) => {
      /** Marks the waiter settled (false when it already was) and drops its abort listener. */
      const settle = (): boolean => {
        if (waiter.settled) return false;
        waiter.settled = true;
        if (waiter.onAbort) signal!.removeEventListener('abort', waiter.onAbort);
        return true;
      };
      const waiter: SharedWaiter = {
        queue: queueIndex,
        priority,
        costs: Float64Array.from(costs),
        slot: this.spec.maxConcurrent !== Infinity,
        deadline: now + maxWaitMs,
        enqueuedAt: options.queuedSince !== undefined && options.queuedSince < now ? options.queuedSince : now,
        requestId,
        sent: false,
        asked: false,
        cancelStart: undefined,
        settled: false,
        resolve: () => undefined,
        resolveWith: (lease) => {
          if (settle()) resolve(lease);
        },
        reject: (error) => {
          if (settle()) reject(error);
        },
        signal,
        onAbort: undefined,
        prev: undefined,
        next: undefined,
        heapIndex: -1,
      };
      if (signal) {
        waiter.onAbort = () => {
          if (!waiter.sent) this.queue.remove(waiter);
          if (waiter.cancelStart) waiter.cancelStart(abortReason(signal));
          else waiter.reject(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      if (this.nap && this.queue.peek() === waiter) this.wake();
      this.kick();
    });
  }

  /** Ms until a request would be admitted, as far as this process knows. */
  estimateWaitMs(options: AcquireOptions): number {
    if (this.mode === 'local' && this.local) return this.local.estimateWaitMs(options);
    if (this.mode !== 'shared') return 0;
    return Math.max(0, this.blockedUntil - this.host.clock.now());
  }

  /** The local limiter, created on first use (local mode, shadow mode). */
  localLimiter(): RateLimiter {
    this.local ??= this.host.createLocal(this.share());
    return this.local;
  }

  applyProviderState(state: ProviderRateLimitState, lease?: Lease): void {
    const now = this.host.clock.now();
    const pauseMs = pauseMsOf(state);
    if (pauseMs !== undefined && now + pauseMs > this.blockedUntil) {
      this.blockedUntil = now + pauseMs;
      this.blockedOn = PAUSE_INDEX;
    }
    this.local?.applyProviderState(state);
    if (this.mode === 'shared') this.provider.apply(state, lease);
  }

  /** Ms the store's last answers put a provider's pause ahead (0 when none is known). */
  pausedForMs(now: number): number {
    if (this.mode === 'local' && this.local) return this.local.pausedForMs;
    return this.blockedOn === PAUSE_INDEX ? Math.max(0, this.blockedUntil - now) : 0;
  }

  clearPause(): void {
    if (this.blockedOn === PAUSE_INDEX) this.blockedUntil = -Infinity;
    this.local?.clearPause();
    if (this.mode === 'shared') this.backend.clearPause().catch((error: unknown) => this.storeFailed(error));
    this.wake();
  }

  status(): SharedStoreStatus {
    return {
      mode: this.mode,
      healthy: this.mode === 'shared',
      liveProcesses: this.liveProcesses,
      configMismatch: this.backend.configMismatch,
      lastError: this.lastError,
      downForMs: this.mode === 'shared' ? 0 : this.host.clock.now() - this.downSince,
    };
  }

  /**
   * For stats: the store's levels, leases and pause as last read (refreshed in the background at
   * most once per second, so stats never wait on the store), this process's queue, and the
   * local limiter's figures while it stands in.
   */
  snapshot(now: number): { levels: readonly number[]; inFlight: number; queued: number; pausedForMs: number; expiredLeases: number; status: SharedStoreStatus } {
    this.refreshState(now);
    const localStats = this.local?.stats();
    const local = this.mode === 'local' ? localStats : undefined;
    const levels = local ? RATE_DIMENSIONS.map((name) => local.remaining[name] ?? NaN) : (this.state?.levels ?? []);
    return {
      levels,
      inFlight: local ? local.concurrentRequests : (this.state?.inFlight ?? this.slots.size),
      queued: this.queue.size + (localStats?.queued ?? 0),
      pausedForMs: local ? local.pausedForMs : Math.max(0, this.blockedUntil - now),
      expiredLeases: this.backend.expiredSlots,
      status: this.status(),
    };
  }

  /**
   * Reads the store's state in the background, at most once per STATE_REFRESH_MS: stats never wait
   * on the store.
   */
  private refreshState(now: number): void {
    if (now - this.stateAskedAt < STATE_REFRESH_MS || this.mode !== 'shared' || this.closed) return;
    this.stateAskedAt = now;
    this.backend.state().then(
      (state) => {
        this.state = state;
      },
      (error: unknown) => this.storeFailed(error),
    );
  }

  countOf(queue: number): number {
    return this.queue.countOf(queue);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let waiter = this.queue.peek(); waiter; waiter = this.queue.peek()) {
      this.queue.remove(waiter);
      waiter.reject(new ShutdownError(this.host.name));
    }
    for (const waiter of [...this.starting]) waiter.cancelStart?.(new ShutdownError(this.host.name));
    this.wake();
    this.clearTimer('maintenance');
    this.clearTimer('probe');
    this.local?.close();
  }

  /** @internal Called by Lease.release for leases admitted through the store. */
  releaseLease(lease: Lease, usage: Usage | undefined): void {
    const leaseId = this.slots.get(lease) ?? null;
    this.slots.delete(lease);
    let deltas: Float64Array | null = null;
    const actualTokens = usage ? usageDeltas(lease, usage, this.spec.dimensions, this.deltas) : NaN;
    if (!Number.isNaN(actualTokens)) {
      this.host.countReconciled(actualTokens - lease.tokens, this.host.clock.now());
      // Copied: the scratch buffer is reused before the store call may have read it.
      if (this.deltas.some((d) => d !== 0)) deltas = Float64Array.from(this.deltas);
    }
    if (leaseId === null && deltas === null) return;
    if (this.slots.size === 0) this.clearTimer('maintenance');
    const refund = deltas !== null && hasRefund(deltas);
    if (refund) this.blockedUntil = -Infinity;
    const freesSomething = leaseId !== null || refund;
    this.backend.settle(leaseId, deltas, lease.storeAdmittedAt).then(
      () => {
        if (freesSomething && this.nap) this.wake();
      },
      (error: unknown) => this.storeFailed(error),
    );
  }

  private kick(): void {
    if (!this.running && !this.closed) void this.run();
  }

  /** The admission loop: one batch in flight at a time, sleeping as long as the store says. */
  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.size > 0 && !this.closed) {
        if (this.mode !== 'shared') {
          this.drainWhileDown();
          break;
        }
        const now = this.host.clock.now();
        this.expireOverdue(now);
        const batch = this.takeBatch();
        if (batch.length === 0) break;
        let reply;
        try {
          reply = await this.backend.admit(
            batch.map((w): SharedAdmitRequest => ({ costs: w.costs, slot: w.slot, force: false, maxWaitMs: Math.max(0, w.deadline - now) })),
            this.provider.following,
          );
        } catch (error) {
          this.requeue(batch);
          this.storeFailed(error);
          continue;
        }
        const at = this.host.clock.now();
        this.storeAnswered = true;
        this.provider.recordCharges(reply.charged, reply.storeTime);
        if (reply.liveProcesses !== undefined) this.liveProcesses = Math.max(1, reply.liveProcesses);
        this.noteMismatch();
        reply.admitted.forEach((grant, i) => this.deliver(batch[i] as SharedWaiter, grant, at, reply));
        this.requeue(batch.slice(reply.admitted.length));
        const reservedMs = reply.admitted.length > 0 ? reply.admitted[reply.admitted.length - 1]!.delayMs : 0;
        if (!reply.refused) {
          // All admitted, or stopped after a reservation: the next head asks when that one starts.
          this.blockedUntil = reservedMs > 0 ? at + reservedMs : -Infinity;
          this.blockedOn = reply.dimension;
          if (reservedMs >= 1 && this.queue.size > 0) await this.sleep(this.cappedByDeadlines(reservedMs, at));
          continue;
        }
        const head = batch[reply.admitted.length] as SharedWaiter;
        const sleepMs = this.onRefusal(head, reply.waitMs, reply.dimension, at);
        if (sleepMs > 0) await this.sleep(sleepMs);
      }
    } finally {
      this.running = false;
    }
    if (this.queue.size > 0 && !this.closed && this.mode === 'shared') this.kick();
  }

  /**
   * Decides about the refused head; returns how long the queue sleeps (0: ask again now). The
   * store refuses on a rate only when the wait is longer than the head's maxWait: it is rejected.
   */
  private onRefusal(head: SharedWaiter, waitMs: number, dimension: number, now: number): number {
    // A refusal's wait is for that request's costs (a smaller one may fit sooner): only a pause holds everyone.
    if (dimension === PAUSE_INDEX && now + waitMs > this.blockedUntil) {
      this.blockedUntil = now + waitMs;
      this.blockedOn = dimension;
    }
    if (!head.settled && dimension !== CONCURRENCY_INDEX && (dimension !== PAUSE_INDEX || now + waitMs > head.deadline)) {
      // It cannot fit before its deadline: say so now rather than at the deadline.
      this.queue.remove(head);
      head.reject(this.host.rejection(this.host.dimensionName(dimension), waitMs, dimension === PAUSE_INDEX ? 'paused' : 'timeout', head.requestId));
      return 0;
    }
    // Other processes' releases are not announced: a request held by concurrency asks again soon.
    return this.cappedByDeadlines(dimension === CONCURRENCY_INDEX ? Math.min(waitMs, this.policy.concurrencyPollMs) : waitMs, now);
  }

  /** A sleep of `ms`, shortened to wake for the earliest deadline in the queue (at least 1 ms). */
  private cappedByDeadlines(ms: number, now: number): number {
    const earliest = this.queue.earliestDeadline();
    return Math.max(1, earliest ? Math.min(ms, earliest.deadline - now) : ms);
  }

  private takeBatch(): SharedWaiter[] {
    const batch: SharedWaiter[] = [];
    while (batch.length < this.policy.maxBatch) {
      const head = this.queue.peek() as SharedWaiter | undefined;
      if (!head) break;
      this.queue.remove(head);
      head.sent = true;
      head.asked = true;
      batch.push(head);
    }
    return batch;
  }

  /** Puts waiters back in their places (they keep their arrival time); aborted ones stay out. */
  private requeue(waiters: readonly SharedWaiter[]): void {
    for (const waiter of waiters) {
      waiter.sent = false;
      if (!waiter.settled) this.queue.push(waiter);
    }
  }

  private deliver(waiter: SharedWaiter, grant: SharedGrant, now: number, reply: SharedAdmitReply): void {
    if (waiter.settled) {
      // Aborted while its admission was on the way: give everything back.
      this.settleQuietly(grant.leaseId, waiter.costs, -1);
      return;
    }
    const startAt = now + grant.delayMs;
    const lease = this.lease(waiter.costs, waiter.priority, startAt, startAt - waiter.enqueuedAt, grant.leaseId, reply, grant.delayMs);
    if (grant.delayMs < 1) {
      waiter.resolveWith(lease);
      return;
    }
    // Admitted with a delay (a reservation): it starts when its turn comes, unless aborted first.
    const timer = this.host.clock.setTimer(() => {
      this.starting.delete(waiter);
      waiter.cancelStart = undefined;
      waiter.resolveWith(lease);
    }, grant.delayMs);
    this.starting.add(waiter);
    waiter.cancelStart = (error) => {
      this.host.clock.clearTimer(timer);
      this.starting.delete(waiter);
      waiter.cancelStart = undefined;
      this.slots.delete(lease);
      this.settleQuietly(grant.leaseId, waiter.costs, -1);
      waiter.reject(error);
    };
  }

  /** `reply`: the store's answer that admitted it, `delayMs` after which it starts. */
  private lease(costs: Float64Array, priority: Priority, now: number, waitedMs: number, leaseId: string | null, reply: SharedAdmitReply, delayMs: number): Lease {
    this.host.countAdmission(costs, now, waitedMs);
    const lease = new Lease(this, -1, 0, costs[1]!, costs[2]!, costs[3]!, priority, now, waitedMs);
    if (reply.storeTime !== undefined) {
      lease.storeAdmittedAt = reply.storeTime + delayMs;
      // Only a process that follows provider figures reads them against a base (as RateLimiter
      // does): no allocation per admission otherwise. Without one, the store reads from its ring.
      if (this.provider.following) lease.transitBase = this.provider.baseAt(lease.storeAdmittedAt, reply.base);
    }
    if (leaseId !== null) {
      this.slots.set(lease, leaseId);
      this.armMaintenance();
    }
    if (now - this.lastHelloAt >= HELLO_INTERVAL_MS) this.hello(now);
    return lease;
  }

  private async admitCritical(costs: Float64Array, now: number): Promise<Lease> {
    try {
      const reply = await this.backend.admit([{ costs, slot: this.spec.maxConcurrent !== Infinity, force: true, maxWaitMs: 0 }], this.provider.following);
      this.provider.recordCharges(reply.charged, reply.storeTime);
      return this.lease(costs, 'critical', this.host.clock.now(), 0, reply.admitted[0]?.leaseId ?? null, reply, 0);
    } catch (error) {
      this.storeFailed(error);
      return this.admitWhileDown(costs, 'critical', {}, now, now);
    }
  }

  private expireOverdue(now: number): void {
    for (let overdue = this.queue.earliestDeadline() as SharedWaiter | undefined; overdue && overdue.deadline <= now; overdue = this.queue.earliestDeadline() as SharedWaiter | undefined) {
      // Never asked yet (it arrived during a round trip): the next batch asks for it first.
      if (!overdue.asked) return;
      this.queue.remove(overdue);
      const waitMs = Math.max(0, this.blockedUntil - now);
      overdue.reject(this.host.rejection(this.host.dimensionName(waitMs > 0 ? this.blockedOn : CONCURRENCY_INDEX), waitMs, 'timeout', overdue.requestId));
    }
  }

  // ---- the store is down ------------------------------------------------------------------

  /** Switches to the fail mode on the first failure of a healthy store and starts probing it. */
  private storeFailed(error: unknown): void {
    this.lastError = messageOf(error);
    if (this.mode !== 'shared' || this.closed) return;
    const now = this.host.clock.now();
    this.mode = this.policy.failMode;
    this.downSince = now;
    const share = this.share();
    if (this.mode === 'local') this.startLocal(share, now);
    if (this.host.events.hasListeners) {
      this.host.events.emit({ type: 'store_unavailable', service: this.host.name, at: this.host.clock.wallTime(), component: 'rateLimit', failMode: this.policy.failMode, share, message: this.lastError });
    }
    this.wake();
    this.armProbe();
    if (this.queue.size > 0) this.kick();
  }

  /** Hands every queued request to the fail mode. */
  private drainWhileDown(): void {
    for (let waiter = this.queue.peek() as SharedWaiter | undefined; waiter; waiter = this.queue.peek() as SharedWaiter | undefined) {
      this.queue.remove(waiter);
      this.admitWhileDown(waiter.costs, waiter.priority, { signal: waiter.signal, requestId: waiter.requestId, queuedSince: waiter.enqueuedAt }, waiter.deadline, this.host.clock.now()).then(
        (lease) => waiter.resolveWith(lease),
        (error: unknown) => waiter.reject(error),
      );
    }
  }

  private admitWhileDown(costs: Float64Array, priority: Priority, options: AcquireOptions, deadline: number, now: number): Promise<Lease> {
    if (this.mode === 'closed') return Promise.reject(new StoreError('admit', 'error', `the shared store is unavailable (${this.lastError ?? 'no answer'}); failMode is 'closed'`));
    if (this.mode === 'open') {
      this.host.countAdmission(costs, now, 0);
      return Promise.resolve(new Lease(UNLIMITED, -1, 0, costs[1]!, costs[2]!, costs[3]!, priority, now, 0));
    }
    const local = this.localLimiter();
    return local.acquire({ ...options, tokens: costs[1]!, inputTokens: costs[2]!, outputTokens: costs[3]!, priority, maxWaitMs: Math.max(0, deadline - now) }).then((lease) => {
      this.host.countAdmission(costs, this.host.clock.now(), lease.waitedMs);
      return lease;
    });
  }

  private armProbe(): void {
    if (this.probe !== undefined || this.closed) return;
    this.probe = this.host.clock.setTimer(() => {
      this.probe = undefined;
      void this.tryRecover();
    }, this.policy.probeIntervalMs);
  }

  /** Asks the store again; when it answers, charges it what the local limiter spent and shares again. */
  private async tryRecover(): Promise<void> {
    try {
      this.liveProcesses = Math.max(1, await this.backend.hello(this.processId, this.policy.leaseTtlMs));
      const spent = this.localSpent();
      if (spent) await this.backend.settle(null, spent);
    } catch (error) {
      this.lastError = messageOf(error);
      this.armProbe();
      return;
    }
    if (this.closed) return;
    const now = this.host.clock.now();
    this.mode = 'shared';
    this.lastHelloAt = now;
    if (this.host.events.hasListeners) this.host.events.emit({ type: 'store_recovered', service: this.host.name, at: this.host.clock.wallTime(), downMs: now - this.downSince, component: 'rateLimit' });
    if (this.queue.size > 0) this.kick();
  }

  /**
   * A local limiter for this outage, holding this process's share of the limits. Once the store
   * has been in use it starts empty: what the fleet spent just before is unknown, and a bucket that
   * starts full (or from a level read a second ago) lets every process spend its share again on top
   * of it (a second outage's local limiter once admitted 22 requests in 4 s against 1/s). Empty, the
   * fleet admits at most the refill of its shares: never over the limit at the outage's edge. A
   * process that never reached the store starts with its full share, as it would without one.
   */
  private startLocal(share: number, now: number): void {
    this.local?.close();
    this.local = this.host.createLocal(share);
    const levels = new Float64Array(RATE_DIMENSIONS.length);
    for (const d of this.spec.dimensions) levels[d.index] = this.storeAnswered ? 0 : d.burst * share;
    this.local.startFrom(levels);
    this.localStart = { at: now, levels };
  }

  /**
   * What the local limiter admitted that its buckets have not refilled yet (null when nothing):
   * charged to the store on recovery so that the fleet does not count it twice... nor forget it.
   * Measured against where the local buckets would stand had it admitted nothing.
   */
  private localSpent(): Float64Array | null {
    if (!this.local || !this.localStart) return null;
    const stats = this.local.stats();
    const spent = new Float64Array(RATE_DIMENSIONS.length);
    let any = false;
    const share = this.share();
    const elapsed = this.host.clock.now() - this.localStart.at;
    for (const d of this.spec.dimensions) {
      const untouched = Math.min(d.burst * share, this.localStart.levels[d.index]! + (elapsed / d.intervalMs) * share);
      const used = Math.max(0, untouched - (stats.remaining[d.name] ?? untouched));
      spent[d.index] = used;
      if (used > 0) any = true;
    }
    return any ? spent : null;
  }

  private share(): number {
    return this.policy.localShare ?? 1 / Math.max(1, this.liveProcesses);
  }

  // ---- leases, heartbeats, timers -------------------------------------------------------

  private hello(now: number): void {
    this.lastHelloAt = now;
    this.backend.hello(this.processId, this.policy.leaseTtlMs).then(
      (live) => {
        this.liveProcesses = Math.max(1, live);
      },
      (error: unknown) => this.storeFailed(error),
    );
  }

  /** Renews this process's leases every third of their TTL while any is held. */
  private armMaintenance(): void {
    if (this.maintenance !== undefined || this.closed) return;
    this.maintenance = this.host.clock.setTimer(() => {
      this.maintenance = undefined;
      this.renewLeases();
    }, this.policy.leaseTtlMs / 3);
  }

  private renewLeases(): void {
    const now = this.host.clock.now();
    const ids: string[] = [];
    for (const [lease, id] of this.slots) {
      // A call stuck past the lease timeout stops being renewed: the store reclaims its slot.
      if (now - lease.admittedAt > this.spec.leaseTimeoutMs) this.slots.delete(lease);
      else ids.push(id);
    }
    if (ids.length === 0) return;
    this.armMaintenance();
    if (this.mode !== 'shared') return;
    this.backend.renew(ids).catch((error: unknown) => this.storeFailed(error));
    if (now - this.lastHelloAt >= HELLO_INTERVAL_MS) this.hello(now);
  }

  private settleQuietly(leaseId: string | null, costs: Float64Array, sign: number): void {
    if (sign < 0) this.blockedUntil = -Infinity;
    const deltas = costs.map((c) => c * sign);
    this.backend.settle(leaseId, deltas).catch((error: unknown) => this.storeFailed(error));
  }

  private noteMismatch(): void {
    if (this.backend.configMismatch && !this.mismatchReported) {
      this.mismatchReported = true;
      if (this.host.events.hasListeners) {
        const ours = this.spec.dimensions.map((d) => `${d.name}=${d.limit}`).join(',');
        this.host.events.emit({ type: 'store_config_mismatch', service: this.host.name, at: this.host.clock.wallTime(), ours });
      }
    } else if (!this.backend.configMismatch) {
      this.mismatchReported = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        if (this.nap?.wake !== wake) return;
        this.host.clock.clearTimer(this.nap.timer);
        this.nap = undefined;
        resolve();
      };
      this.nap = { timer: this.host.clock.setTimer(wake, ms), wake };
    });
  }

  private wake(): void {
    this.nap?.wake();
  }

  private clearTimer(which: 'maintenance' | 'probe'): void {
    const timer = this[which];
    if (timer !== undefined) this.host.clock.clearTimer(timer);
    this[which] = undefined;
  }
}
