/**
 * Everything the server keeps for one key: its limit scopes (buckets, wait queue and audit of the
 * whole key, or of each model), ledger and random streams. Admission and release go through here
 * so the scope's limiter, its audit and the ledger see every change at the same instant, in the
 * same order.
 */
import { type Charge, settledCharge } from './accounting.js';
import type { RejectionReason } from './dimensions.js';
import { KeyLedger, type KeyLedgerReport } from './ledger.js';
import type { Admission, Refusal } from './key-limiter.js';
import { KeyScopes, LimitScope } from './limit-scope.js';
import { randomFor, type SeededRandom } from './random.js';
import type { ResolvedKey } from './resolve-config.js';
import type { TimerRegistry } from './timers.js';

/** The random streams of a key: separate, so that e.g. a change of latency leaves the injected errors as they were. */
export interface KeyRandom {
  readonly faults: SeededRandom;
  readonly output: SeededRandom;
  readonly latency: SeededRandom;
  readonly text: SeededRandom;
}

/** One key at run time. */
export class KeyState {
  readonly scopes: KeyScopes;
  readonly ledger: KeyLedger;
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
    const admit = (scope: LimitScope, charge: Charge) => this.tryAdmit(scope, charge);
    this.scopes = new KeyScopes(config, (model, limits) => new LimitScope(model, limits, now(), wallOffsetMs, timers, admit));
    this.ledger = new KeyLedger(config, startedAt);
    this.random = this.seeded();
  }

  /** Admits `charge` in `scope` now and records it, or refuses it (taking and recording nothing). */
  tryAdmit(scope: LimitScope, charge: Charge): Admission | Refusal {
    const now = this.now();
    const result = scope.limiter.tryAdmit(charge, now);
    if (result.ok) {
      this.ledger.admitted(charge, now);
      scope.recordAdmission(charge, now);
    }
    return result;
  }

  /** A request refused by `scope`'s limits (a 429, or a held request that timed out). */
  refused(scope: LimitScope, reason: RejectionReason, tooLarge: boolean): void {
    scope.rejected++;
    this.ledger.rejectedFor(reason, tooLarge, this.now());
  }

  /**
   * Ends an admitted request that produced `outputTokens`: refunds what the accounting gives
   * back, frees the slot, lets waiters in. `admission` says when it was admitted (a fixed window
   * takes back only its own charges) and the output allowance it was charged (default: the
   * charge's output tokens).
   */
  release(scope: LimitScope, admitted: Charge, outputTokens: number, succeeded: boolean, admission: { at?: number; maxOutputTokens?: number } = {}): void {
    const now = this.now();
    const settled = settledCharge(this.config.policy, admitted, outputTokens, admission.maxOutputTokens);
    const admittedAt = admission.at ?? now;
    scope.limiter.release(admitted, settled, now, admittedAt);
    scope.recordRelease(admitted, settled, now, admittedAt);
    this.ledger.released(admitted, settled, succeeded);
    scope.queue.pump();
  }

  /** The ledger, with the audit of every scope. */
  report(): KeyLedgerReport {
    return this.ledger.report(this.scopes.all());
  }

  /** Buckets full, ledger and audits cleared, random streams restarted. */
  reset(): void {
    const now = this.now();
    for (const scope of this.scopes.all()) scope.reset(now);
    this.ledger.reset();
    this.random = this.seeded();
  }

  private seeded(): KeyRandom {
    const stream = (purpose: string) => randomFor(this.seed, `${this.config.apiKey}/${purpose}`);
    return { faults: stream('faults'), output: stream('output'), latency: stream('latency'), text: stream('text') };
  }
}
