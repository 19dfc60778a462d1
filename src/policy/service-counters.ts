/** Per-service call counters: plain increments on the hot path, read by stats and health. */
import type { FailureKind } from '../core/failure-kinds.js';

export interface ServiceCountersSnapshot {
  requests: number;
  succeeded: number;
  failed: number;
  attempts: number;
  retries: number;
  rejectedByBreaker: number;
  rejectedByLimiter: number;
  shadowViolations: number;
  breakerTransitions: number;
  failuresByKind: Partial<Record<FailureKind, number>>;
}

export class ServiceCounters {
  requests = 0;
  succeeded = 0;
  attempts = 0;
  retries = 0;
  rejectedByBreaker = 0;
  rejectedByLimiter = 0;
  shadowViolations = 0;
  transitions = 0;
  private failed = 0;
  private readonly byKind = new Map<FailureKind, number>();

  /** A call that ended in failure, by the kind of its last error. */
  recordFailure(kind: FailureKind): void {
    this.failed++;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  }

  snapshot(): ServiceCountersSnapshot {
    return {
      requests: this.requests,
      succeeded: this.succeeded,
      failed: this.failed,
      attempts: this.attempts,
      retries: this.retries,
      rejectedByBreaker: this.rejectedByBreaker,
      rejectedByLimiter: this.rejectedByLimiter,
      shadowViolations: this.shadowViolations,
      breakerTransitions: this.transitions,
      failuresByKind: Object.fromEntries(this.byKind),
    };
  }
}
