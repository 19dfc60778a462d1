/**
 * Waiters held by a limiter: one FIFO per priority (doubly linked, so an abort removes a waiter at
 * once and it never holds a place), and a min-heap on deadlines so one timer serves them all.
 * The queue only needs an entry's place in line; how its costs add up is its kind's (a
 * limiter's waiters carry three token counts, see queued-request.ts).
 */
import { QUEUE_COUNT } from './priority.js';

/** What the queue keeps of an entry: its priority, arrival and deadline, and the links it owns. */
export interface QueueEntry<W> {
  readonly queue: number;
  readonly deadline: number;
  readonly enqueuedAt: number;
  prev: W | undefined;
  next: W | undefined;
  heapIndex: number;
}

export abstract class PriorityWaitQueue<W extends QueueEntry<W>> {
  private readonly heads: (W | undefined)[] = new Array(QUEUE_COUNT).fill(undefined);
  private readonly tails: (W | undefined)[] = new Array(QUEUE_COUNT).fill(undefined);
  private readonly counts = new Array<number>(QUEUE_COUNT).fill(0);
  /** Queued costs per queue and dimension, for the wait estimate of a newcomer. */
  readonly queuedCosts: Float64Array[];
  private readonly deadlines: W[] = [];
  size = 0;

  constructor(dimensionCount: number) {
    this.queuedCosts = Array.from({ length: QUEUE_COUNT }, () => new Float64Array(dimensionCount));
  }

  /** Adds `sign` times the costs of `waiter` to `sums` (indexed by dimension). */
  protected abstract addCosts(sums: Float64Array, waiter: W, sign: number): void;

  countOf(queue: number): number {
    return this.counts[queue]!;
  }

  /** The first waiter of the highest non-empty priority. */
  peek(): W | undefined {
    for (let q = 0; q < QUEUE_COUNT; q++) if (this.heads[q]) return this.heads[q];
    return undefined;
  }

  /** True when a waiter of higher priority, or of the same priority queued since `since` or earlier, is waiting. */
  hasAhead(queue: number, since: number): boolean {
    for (let q = 0; q < queue; q++) if (this.heads[q]) return true;
    const head = this.heads[queue];
    return head !== undefined && head.enqueuedAt <= since;
  }

  /**
   * Queues `waiter` in arrival order within its priority. A retry carries its first arrival
   * (`enqueuedAt` in the past), so it takes its place among older waiters instead of the back
   * (resilience4j#336). New arrivals go straight to the tail; the scan from the tail is short.
   */
  push(waiter: W): void {
    const q = waiter.queue;
    let after = this.tails[q];
    while (after && after.enqueuedAt > waiter.enqueuedAt) after = after.prev;
    this.insertBefore(waiter, after ? after.next : this.heads[q]);
  }

  /**
   * Puts back a waiter taken from the head (a batch the store did not admit all of): ahead of
   * every waiter of its priority that arrived after it. Put a batch back from its last to its first.
   */
  unshift(waiter: W): void {
    let before = this.heads[waiter.queue];
    while (before && before.enqueuedAt < waiter.enqueuedAt) before = before.next;
    this.insertBefore(waiter, before);
  }

  /** Links `waiter` into its priority's line before `before` (undefined: at the tail) and counts it. */
  private insertBefore(waiter: W, before: W | undefined): void {
    const q = waiter.queue;
    waiter.next = before;
    waiter.prev = before ? before.prev : this.tails[q];
    if (waiter.prev) waiter.prev.next = waiter;
    else this.heads[q] = waiter;
    if (before) before.prev = waiter;
    else this.tails[q] = waiter;
    this.counts[q]!++;
    this.size++;
    this.addCosts(this.queuedCosts[q]!, waiter, 1);
    this.heapPush(waiter);
  }

  remove(waiter: W): void {
    if (waiter.heapIndex < 0) return;
    const q = waiter.queue;
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.heads[q] = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.tails[q] = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.counts[q]!--;
    this.size--;
    this.addCosts(this.queuedCosts[q]!, waiter, -1);
    this.heapRemove(waiter);
  }

  /** The waiter whose deadline comes first. */
  earliestDeadline(): W | undefined {
    return this.deadlines[0];
  }

  private heapPush(waiter: W): void {
    waiter.heapIndex = this.deadlines.length;
    this.deadlines.push(waiter);
    this.siftUp(waiter.heapIndex);
  }

  private heapRemove(waiter: W): void {
    const index = waiter.heapIndex;
    const last = this.deadlines.pop()!;
    waiter.heapIndex = -1;
    if (last === waiter) return;
    this.deadlines[index] = last;
    last.heapIndex = index;
    this.siftUp(index);
    this.siftDown(last.heapIndex);
  }

  private siftUp(index: number): void {
    const heap = this.deadlines;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.deadline <= heap[index]!.deadline) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.deadlines;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && heap[left]!.deadline < heap[smallest]!.deadline) smallest = left;
      if (right < heap.length && heap[right]!.deadline < heap[smallest]!.deadline) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const heap = this.deadlines;
    const wa = heap[a]!;
    const wb = heap[b]!;
    heap[a] = wb;
    heap[b] = wa;
    wa.heapIndex = b;
    wb.heapIndex = a;
  }
}
