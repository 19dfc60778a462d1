/**
 * The limiter's one queue, whatever the store: requests that cannot be admitted at once wait here
 * in strict priority order (FIFO within a priority; a retry keeps its first arrival), each until
 * its deadline, an abort, or the limiter's close. The head goes to the admission (admission.ts) in
 * batches: answered synchronously (this process's buckets: a batch of one, no allocation) or with
 * a promise (a shared store: one batch in flight, requests arriving meanwhile ride the next). One
 * timer at most, armed for the next moment something can change; none when idle.
 */
import { abortReason } from '../core/abort.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { type RateLimitExceededError, type RateLimitRejection, ShutdownError } from '../core/errors.js';
import { type AdmitReply, type Admission, type Grant, isPromise } from './admission.js';
import type { Lease } from './lease.js';
import type { AcquireOptions } from './limiter-types.js';
import { CONCURRENCY_INDEX, PAUSE_INDEX } from './limiter-store.js';
import { AbortableRequest, ASKED, CriticalRequest, type QueueOwner, QueuedRequest, RequestQueue, SETTLED } from './queued-request.js';

/** A timer due this little after the moment wanted is as good as one due then (timers have ms resolution). */
const TIMER_SLACK_MS = 0.001;
/** onReply's answer when the next head can be asked at once. */
const AT_ONCE = -Infinity;

/** What the queue needs of its limiter. */
export interface QueueHost {
  readonly name: string;
  readonly clock: Clock;
  readonly maxQueue: number;
  /** The lease of an admitted request (counted in the limiter's stats). */
  lease(request: QueuedRequest, grant: Grant, reply: AdmitReply, at: number, waitedMs: number): Lease;
  /** A rejection naming what held `costs` (their wait known to be `waitMs`). */
  heldBy(costs: Float64Array, waitMs: number, now: number): number;
  rejection(dimension: number, retryAfterMs: number, reason: RateLimitRejection, requestId: string | undefined, detail?: string): RateLimitExceededError;
  /** A request starts waiting (for the wait event). */
  waiting(costs: Float64Array, requestId: string | undefined, now: number): void;
}

/** The request's options the queue reads. */
export type QueueOptions = Pick<AcquireOptions, 'signal' | 'requestId' | 'queuedSince'>;

export class AdmissionQueue implements QueueOwner {
  readonly requests: RequestQueue;
  private readonly scratch: Float64Array;
  private readonly ahead: Float64Array;
  /** Admitted with a delay (a shared store's reservation), waiting for their start. */
  private readonly starting = new Map<QueuedRequest, { timer: TimerHandle; lease: Lease; grant: Grant }>();
  /** The batch on its way to a shared store. */
  private sent: readonly QueuedRequest[] = [];
  private readonly one: QueuedRequest[] = [];
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private pumping = false;
  private awaiting = false;
  private closed = false;
  /** What held the last refused head, and for how long (named when the queue is full). */
  private refusedOn = -1;
  private refusedForMs = 0;

  constructor(
    private readonly host: QueueHost,
    private readonly admission: Admission,
    dimensionCount: number,
  ) {
    this.requests = new RequestQueue(dimensionCount);
    this.scratch = new Float64Array(dimensionCount);
    this.ahead = new Float64Array(dimensionCount);
  }

  /** Queues a request (costs valid, never too large) unless it cannot fit before its deadline. */
  enqueue(queueIndex: number, costs: Float64Array, slot: boolean, options: QueueOptions, maxWaitMs: number, now: number): Promise<Lease> {
    const { signal, requestId } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.requests.size >= this.host.maxQueue) return Promise.reject(this.host.rejection(this.refusedOn, this.refusedForMs, 'queue_full', requestId));
    // If even the rates cannot make room for everything queued ahead within maxWaitMs, answer now
    // instead of waiting out the deadline (a shared store: its last answer already says so, no round trip).
    const estimateMs = this.waitAheadMs(costs, queueIndex, now);
    if (estimateMs > maxWaitMs) {
      const dimension = this.admission.blockingDimension(this.ahead, now);
      return Promise.reject(this.host.rejection(dimension, estimateMs, dimension === PAUSE_INDEX ? 'paused' : 'timeout', requestId, `would wait ${Math.ceil(estimateMs)} ms, more than maxWaitMs ${maxWaitMs}`));
    }
    const queuedSince = options.queuedSince !== undefined && options.queuedSince < now ? options.queuedSince : undefined;
    return new Promise<Lease>((resolve, reject) => {
      // Written out twice: a spread argument list would allocate an array per queued request.
      const request = signal
        ? new AbortableRequest(this, signal, queueIndex, costs[1]!, costs[2]!, costs[3]!, slot, now, maxWaitMs, queuedSince, requestId, resolve, reject)
        : new QueuedRequest(queueIndex, costs[1]!, costs[2]!, costs[3]!, slot, now, maxWaitMs, queuedSince, requestId, resolve, reject);
      // Through a shared store, its deadline counts once a batch has asked for it (maxWaitMs 0: ask once).
      if (!this.admission.shared) request.flags = ASKED;
      this.requests.push(request);
      this.host.waiting(costs, requestId, now);
      // A shared store's queue sleeps on its last answer: only a new head is worth a round trip now.
      if (!this.admission.shared || this.timer === undefined || this.requests.peek() === request) this.pump();
    });
  }

  /** A critical request through a shared store: never queued, admitted regardless of the limits. */
  critical(costs: Float64Array, slot: boolean, now: number): Promise<Lease> {
    const request = new CriticalRequest(0, costs[1]!, costs[2]!, costs[3]!, slot, now, 0, undefined, undefined, noop, noop);
    const reply = this.admission.admit([request], now);
    const leaseOf = (answer: AdmitReply): Lease => {
      if (answer.error !== undefined) throw answer.error;
      return this.host.lease(request, answer.grants[0]!, answer, this.host.clock.now(), 0);
    };
    // A synchronous answer is read at once (its objects are reused by the next admission).
    return isPromise(reply) ? reply.then(leaseOf) : new Promise((resolve) => resolve(leaseOf(reply)));
  }

  /** Ms until `costs`, plus everything queued at `queueIndex` or above, fit the rates (costs left in `ahead`). */
  waitAheadMs(costs: Float64Array, queueIndex: number, now: number): number {
    for (let d = 0; d < this.ahead.length; d++) {
      let sum = costs[d]!;
      for (let q = 0; q <= queueIndex; q++) sum += this.requests.queuedCosts[q]![d]!;
      this.ahead[d] = sum;
    }
    return this.admission.waitForCostsMs(this.ahead, now);
  }

  /** @internal A queued request's signal aborted: it leaves the queue (or gives its reserved start back) at once. */
  abortWaiting(request: AbortableRequest): void {
    const start = this.starting.get(request);
    if (start) this.cancelStart(request, start, abortReason(request.signal));
    else this.settle(request, abortReason(request.signal), false);
    this.pump();
  }

  /** Admits waiters from the head, expires overdue ones, and arms the one timer. */
  pump(): void {
    if (this.pumping || this.awaiting || this.closed) return;
    this.pumping = true;
    try {
      for (;;) {
        const now = this.host.clock.now();
        this.expireOverdue(now);
        const head = this.requests.peek();
        if (!head) return this.arm(Infinity);
        const batch = this.takeBatch(head);
        const reply = this.admission.admit(batch, now);
        if (isPromise(reply)) return this.awaitReply(batch, reply);
        const nextAt = this.onReply(batch, reply, now);
        if (nextAt !== AT_ONCE) return this.armFor(nextAt);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Graceful shutdown: every waiting request rejects at once with ShutdownError (those admitted
   * with a delay give their admission back), the timer is cleared.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const error = new ShutdownError(this.host.name);
    for (let request = this.requests.peek(); request; request = this.requests.peek()) this.settle(request, error, false);
    for (const request of this.sent) this.settle(request, error, false);
    for (const [request, start] of [...this.starting]) this.cancelStart(request, start, error);
    this.arm(Infinity);
  }

  private awaitReply(batch: readonly QueuedRequest[], reply: Promise<AdmitReply>): void {
    this.awaiting = true;
    this.sent = batch;
    this.arm(Infinity);
    reply.then(
      (answer) => {
        this.awaiting = false;
        this.sent = [];
        const nextAt = this.onReply(batch, answer, this.host.clock.now());
        if (nextAt === AT_ONCE) this.pump();
        else this.armFor(nextAt);
      },
      (error: unknown) => {
        // The failover answers for a failed store: this is a bug, not an outage. Nobody waits forever.
        this.awaiting = false;
        this.sent = [];
        for (const request of batch) this.settle(request, error, false);
        this.pump();
      },
    );
  }

  /** Delivers a reply; answers when to ask again (AT_ONCE: now). */
  private onReply(batch: readonly QueuedRequest[], reply: AdmitReply, now: number): number {
    if (reply.error !== undefined) {
      for (const request of batch) this.settle(request, reply.error, false);
      return AT_ONCE;
    }
    for (let i = 0; i < reply.admitted; i++) this.deliver(batch[i]!, reply.grants[i]!, reply, now);
    // Taken out for a shared store: the rest go back to their places, ahead of later arrivals.
    if (this.admission.shared) {
      for (let i = batch.length - 1; i >= reply.admitted; i--) if (!(batch[i]!.flags & SETTLED)) this.requests.unshift(batch[i]!);
    }
    if (!reply.refused) {
      // Stopped after a reservation: nothing starts before it, the next head asks then.
      const last = reply.admitted > 0 ? reply.grants[reply.admitted - 1]!.delayMs : 0;
      return last >= 1 && this.requests.size > 0 ? now + last : AT_ONCE;
    }
    const head = batch[reply.admitted]!;
    this.refusedOn = reply.dimension;
    this.refusedForMs = reply.waitMs;
    if (reply.dimension === CONCURRENCY_INDEX || head.flags & SETTLED) return now + reply.waitMs;
    if (now + reply.waitMs > head.deadline) {
      // It cannot fit before its deadline: say so now rather than at the deadline.
      const reason = reply.dimension === PAUSE_INDEX ? 'paused' : 'timeout';
      this.settle(head, this.host.rejection(reply.dimension, reply.waitMs, reason, head.requestId), false);
      return AT_ONCE;
    }
    return now + reply.waitMs;
  }

  private deliver(request: QueuedRequest, grant: Grant, reply: AdmitReply, now: number): void {
    this.requests.remove(request);
    if (request.flags & SETTLED) {
      // Aborted while its admission was on the way: give everything back.
      this.admission.cancel(grant, request.costsInto(this.scratch), undefined, now);
      return;
    }
    const startAt = now + grant.delayMs;
    const lease = this.host.lease(request, grant, reply, startAt, startAt - request.enqueuedAt);
    if (grant.delayMs < 1) {
      this.settle(request, lease, true);
      return;
    }
    // Admitted with a delay (a reservation): it starts when its turn comes, unless aborted first.
    const timer = this.host.clock.setTimer(() => {
      this.starting.delete(request);
      this.settle(request, lease, true);
    }, grant.delayMs);
    this.starting.set(request, { timer, lease, grant });
  }

  private cancelStart(request: QueuedRequest, start: { timer: TimerHandle; lease: Lease; grant: Grant }, error: unknown): void {
    this.host.clock.clearTimer(start.timer);
    this.starting.delete(request);
    start.lease.released = true;
    this.admission.cancel(start.grant, request.costsInto(this.scratch), start.lease, this.host.clock.now());
    this.settle(request, error, false);
  }

  /** Settles a request once: out of the queue, its signal no longer heard. */
  private settle(request: QueuedRequest, outcome: unknown, admitted: boolean): void {
    if (request.flags & SETTLED) return;
    request.flags |= SETTLED;
    this.requests.remove(request);
    request.unlisten();
    if (admitted) request.resolve(outcome as Lease);
    else request.reject(outcome);
  }

  private takeBatch(head: QueuedRequest): QueuedRequest[] {
    // This process's buckets: the head alone, left in place (nothing to put back when refused).
    if (!this.admission.shared) {
      this.one[0] = head;
      return this.one;
    }
    const batch: QueuedRequest[] = [];
    while (batch.length < this.admission.maxBatch) {
      const request = this.requests.peek();
      if (!request) break;
      this.requests.remove(request);
      request.flags |= ASKED;
      batch.push(request);
    }
    return batch;
  }

  private expireOverdue(now: number): void {
    for (let overdue = this.requests.earliestDeadline(); overdue && overdue.deadline <= now; overdue = this.requests.earliestDeadline()) {
      // Never asked yet (it arrived during a round trip): the next batch asks for it first.
      if (!(overdue.flags & ASKED)) return;
      const costs = overdue.costsInto(this.scratch);
      const wait = this.admission.waitForCostsMs(costs, now);
      this.settle(overdue, this.host.rejection(this.host.heldBy(costs, wait, now), wait, 'timeout', overdue.requestId), false);
    }
  }

  /** Arms the timer for `at`, or for the earliest deadline when that comes first. */
  private armFor(at: number): void {
    const earliest = this.requests.earliestDeadline();
    this.arm(earliest && earliest.deadline < at ? earliest.deadline : at);
  }

  private arm(at: number): void {
    // A timer set for no later than `at` is kept: it pumps and re-arms when it fires. Otherwise each
    // release while concurrency holds the queue (the oldest lease's expiry moves on) and each
    // enqueue (now + wait drifts by a rounding error) would re-arm it: once per admission, not per batch.
    if (this.timer !== undefined && at !== Infinity && this.timerAt <= at + TIMER_SLACK_MS) return;
    if (this.timer !== undefined) this.host.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity || this.closed) return;
    this.timer = this.host.clock.setTimer(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, at - this.host.clock.now());
  }
}
const noop = (): void => undefined;
