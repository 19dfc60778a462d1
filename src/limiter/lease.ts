/** A granted admission. Release it when the call is done, with the real usage when known. */
import type { Priority } from './priority.js';

/** Real usage of a finished call, to reconcile the estimate charged at admission. */
export interface Usage {
  /** Total tokens (input + output) when the provider does not split them. */
  tokens?: number;
  inputTokens?: number;
  outputTokens?: number;
}

/**
 * How the call went, for a limiter that learns its concurrency from latency: `dropped` when the
 * provider was overloaded (timeout, 429, 5xx), `ignored` when the call says nothing about it (the
 * caller's abort, a client error).
 */
export type CallOutcome = 'success' | 'dropped' | 'ignored';

/** What a lease needs from its limiter; kept narrow so a lease cannot reach anything else. */
export interface LeaseOwner {
  releaseLease(lease: Lease, usage: Usage | undefined, outcome?: CallOutcome): void;
}

export class Lease {
  /** @internal */ released = false;
  /**
   * @internal What had been charged per minute dimension (requests, tokens, input, output) up to
   * the provider delay before this admission: what the provider's figure on this request's
   * response may lack is everything charged since. Only kept while a limiter learns from headers.
   * [0..3] against the lead in force at the admission; in one process also [4..7], against the
   * configured provider delay (what a figure is lowered on: provider-state.ts).
   */
  transitBase: Float64Array | undefined = undefined;
  /** @internal When a shared store admitted it, by the store's clock (NaN: not through a store). */
  storeAdmittedAt = NaN;
  /** @internal Which part of a failover admission admitted it (undefined: the shared store). */
  via: unknown = undefined;
  /** @internal Requests in flight right after this admission (this one included). */
  inFlightAtStart = 0;
  /** @internal Admission number, for learning the provider's charge rule (0: not numbered). */
  seq = 0;

  /** @internal */
  constructor(
    /** @internal */ readonly owner: LeaseOwner,
    /** @internal Concurrency slot index, or -1 for none. */ readonly slotIndex: number,
    /** @internal The slot's generation at admission: a stale release is ignored. */ readonly slotGeneration: number,
    /** Estimated tokens charged at admission. */
    readonly tokens: number,
    readonly inputTokens: number,
    readonly outputTokens: number,
    readonly priority: Priority,
    /** When it was admitted, on the limiter's clock. */
    readonly admittedAt: number,
    /** How long it waited for admission, in ms. */
    readonly waitedMs: number,
  ) {}

  /**
   * Frees the concurrency slot and reconciles the estimate with the real `usage` (a refund or a
   * debit). Without `usage`, the estimate stands: a failed attempt still counts, as providers
   * count failed requests. `outcome` feeds a concurrency learned from latency. Releasing twice
   * is harmless.
   */
  release(usage?: Usage, outcome?: CallOutcome): void {
    if (this.released) return;
    this.released = true;
    this.owner.releaseLease(this, usage, outcome);
  }
}
