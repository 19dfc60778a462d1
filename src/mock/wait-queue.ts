/**
 * DeepSeek's way with load: an over-limit request is not refused but held open until it fits
 * (keep-alives are written meanwhile by the caller), in arrival order, up to a maximum wait.
 * One timer per key at most: the head of the queue is retried when its bucket will hold it, or
 * when a request in flight releases its slot.
 */
import type { Charge } from './accounting.js';
import type { Admission, Refusal } from './key-limiter.js';
import type { TimerRegistry } from './timers.js';

/** How a wait ended. */
export type WaitOutcome = Admission | { readonly ok: false; readonly reason: 'timeout' | 'aborted' };

interface Waiter {
  readonly charge: Charge;
  readonly settle: (outcome: WaitOutcome) => void;
}

/** The wait queue of one key. */
export class WaitQueue {
  private readonly waiters: Waiter[] = [];
  private retryTimer: number | undefined;

  constructor(
    /** Admits (and records) a charge now, or refuses it without taking anything. */
    private readonly tryAdmit: (charge: Charge) => Admission | Refusal,
    private readonly timers: TimerRegistry,
  ) {}

  get length(): number {
    return this.waiters.length;
  }

  /** Waits for admission of `charge`, at most `maxWaitMs`, or until `signal` aborts. */
  enqueue(charge: Charge, maxWaitMs: number, signal: AbortSignal): Promise<WaitOutcome> {
    if (signal.aborted) return Promise.resolve({ ok: false, reason: 'aborted' });
    return new Promise((resolve) => {
      const leave = (reason: 'timeout' | 'aborted') => {
        const index = this.waiters.indexOf(waiter);
        if (index < 0) return;
        this.waiters.splice(index, 1);
        waiter.settle({ ok: false, reason });
        if (index === 0) this.pump();
      };
      const onAbort = () => leave('aborted');
      const deadline = this.timers.set(() => leave('timeout'), maxWaitMs);
      const waiter: Waiter = {
        charge,
        settle: (outcome) => {
          this.timers.clear(deadline);
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      if (this.waiters.length === 1) this.pump();
    });
  }

  /** Admits from the head while requests fit; otherwise sets one timer for when the head will. */
  pump(): void {
    this.timers.clear(this.retryTimer);
    this.retryTimer = undefined;
    for (let head = this.waiters[0]; head; head = this.waiters[0]) {
      const result = this.tryAdmit(head.charge);
      if (!result.ok) {
        // A full concurrency count is retried when a request releases its slot (pump is called then).
        if (result.reason !== 'concurrency' && Number.isFinite(result.retryAfterMs)) this.retryTimer = this.timers.set(() => this.pump(), result.retryAfterMs);
        return;
      }
      this.waiters.shift();
      head.settle(result);
    }
  }
}
