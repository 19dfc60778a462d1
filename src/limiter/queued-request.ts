/**
 * A request waiting in a RateLimiter's own queue (the shared store's admission keeps its own
 * waiters). 100 000 may wait at once, so each is kept small (issue 11: at most 400 B of heap, its
 * promise included; bench/queue-scale.ts measures it): its costs as the three token counts they
 * derive from rather than a Float64Array of six (~250 B alone), its deadline computed from its
 * start and wait (one boxed number less), no closure of its own (the limiter settles it), and a
 * signal's fields only on a request that has one (AbortableRequest, its own abort listener).
 */
import type { Lease } from './lease.js';
import { writeCosts } from './request-costs.js';
import { PriorityWaitQueue, type QueueEntry } from './wait-queue.js';

const ONCE = { once: true };

/** What a queued request needs of its limiter when its signal aborts. */
export interface QueueOwner {
  abortWaiting(request: AbortableRequest): void;
}

/** `flags` bit: a batch has asked the store for it (its deadline is enforced only then: maxWaitMs 0 = ask once). */
export const ASKED = 1;
/** `flags` bit: resolved or rejected (aborted while its batch was on its way: the grant is given back). */
export const SETTLED = 2;

export class QueuedRequest implements QueueEntry<QueuedRequest> {
  prev: QueuedRequest | undefined = undefined;
  next: QueuedRequest | undefined = undefined;
  heapIndex = -1;
  /** ASKED and SETTLED bits (one small integer: 100 000 may wait). */
  flags = 0;

  constructor(
    readonly queue: number,
    readonly tokens: number,
    readonly inputTokens: number,
    readonly outputTokens: number,
    /** Takes a concurrency slot when admitted. */
    readonly slot: boolean,
    /** When it started waiting here. */
    readonly startedAt: number,
    readonly maxWaitMs: number,
    /** Its first arrival when earlier than startedAt (a retry keeps its place), else undefined: no second number to keep. */
    readonly queuedSince: number | undefined,
    readonly requestId: string | undefined,
    readonly resolve: (lease: Lease) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  get deadline(): number {
    return this.startedAt + this.maxWaitMs;
  }

  get enqueuedAt(): number {
    return this.queuedSince ?? this.startedAt;
  }

  /** Writes its costs into `costs`, indexed as RATE_DIMENSIONS, and returns it. */
  costsInto(costs: Float64Array): Float64Array {
    return writeCosts(costs, this.tokens, this.inputTokens, this.outputTokens);
  }

  /** Out of the queue (admitted or refused): stops listening to its signal, if it has one. */
  unlisten(): void {}
}

/** A critical request: never queued or held, admitted regardless of the limits (usage is still counted). */
export class CriticalRequest extends QueuedRequest {
  readonly force = true;
}

/** A queued request with a signal: its own abort listener (an object listener, no closure). */
export class AbortableRequest extends QueuedRequest {
  constructor(
    readonly owner: QueueOwner,
    readonly signal: AbortSignal,
    ...request: ConstructorParameters<typeof QueuedRequest>
  ) {
    super(...request);
    signal.addEventListener('abort', this, ONCE);
  }

  handleEvent(): void {
    this.owner.abortWaiting(this);
  }

  override unlisten(): void {
    this.signal.removeEventListener('abort', this);
  }
}

export class RequestQueue extends PriorityWaitQueue<QueuedRequest> {
  protected addCosts(sums: Float64Array, request: QueuedRequest, sign: number): void {
    sums[0] = sums[0]! + sign;
    sums[1] = sums[1]! + sign * request.tokens;
    sums[2] = sums[2]! + sign * request.inputTokens;
    sums[3] = sums[3]! + sign * request.outputTokens;
    sums[4] = sums[4]! + sign;
    sums[5] = sums[5]! + sign * request.tokens;
  }
}
