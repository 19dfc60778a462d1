/**
 * Everything the server keeps for one key: its limiter, ledger, wait queue and random streams.
 * Admission and release go through here so the limiter and the ledger's audit see every change
 * at the same instant, in the same order.
 */
import { type Charge, settledCharge } from './accounting.js';
import { KeyLedger } from './ledger.js';
import { type Admission, KeyLimiter, type Refusal } from './key-limiter.js';
import { randomFor, type SeededRandom } from './random.js';
import type { ResolvedKey } from './resolve-config.js';
import type { TimerRegistry } from './timers.js';
import { WaitQueue } from './wait-queue.js';

/** The random streams of a key: separate, so that e.g. a change of latency leaves the injected errors as they were. */
export interface KeyRandom {
  readonly faults: SeededRandom;
  readonly output: SeededRandom;
  readonly latency: SeededRandom;
  readonly text: SeededRandom;
}

/** One key at run time. */
export class KeyState {
  readonly limiter: KeyLimiter;
  readonly ledger: KeyLedger;
  readonly queue: WaitQueue;
  random: KeyRandom;

  constructor(
    readonly config: ResolvedKey,
    private readonly seed: number,
    startedAt: number,
    timers: TimerRegistry,
    /** The clock's time. */
    readonly now: () => number,
    /** Wall time minus `now()`. */
    wallOffsetMs: number,
  ) {
    this.limiter = new KeyLimiter(config.buckets, config.maxConcurrent, now(), wallOffsetMs);
    this.ledger = new KeyLedger(config, startedAt, now(), wallOffsetMs);
    this.queue = new WaitQueue((charge) => this.tryAdmit(charge), timers);
    this.random = this.seeded();
  }

  /** Admits `charge` now and records it, or refuses it (taking and recording nothing). */
  tryAdmit(charge: Charge): Admission | Refusal {
    const now = this.now();
    const result = this.limiter.tryAdmit(charge, now);
    if (result.ok) this.ledger.admitted(charge, now);
    return result;
  }

  /**
   * Ends an admitted request that produced `outputTokens`: refunds what the accounting gives
   * back, frees the slot, lets waiters in. `admission` says when it was admitted (a fixed window
   * takes back only its own charges) and the output allowance it was charged (default: the
   * charge's output tokens).
   */
  release(admitted: Charge, outputTokens: number, succeeded: boolean, admission: { at?: number; maxOutputTokens?: number } = {}): void {
    const now = this.now();
    const settled = settledCharge(this.config.policy, admitted, outputTokens, admission.maxOutputTokens);
    const admittedAt = admission.at ?? now;
    this.limiter.release(admitted, settled, now, admittedAt);
    this.ledger.released(admitted, settled, succeeded, now, admittedAt);
    this.queue.pump();
  }

  /** Buckets full, ledger cleared, random streams restarted. */
  reset(): void {
    const now = this.now();
    this.limiter.refill(now);
    this.ledger.reset(now);
    this.random = this.seeded();
  }

  private seeded(): KeyRandom {
    const stream = (purpose: string) => randomFor(this.seed, `${this.config.apiKey}/${purpose}`);
    return { faults: stream('faults'), output: stream('output'), latency: stream('latency'), text: stream('text') };
  }
}
