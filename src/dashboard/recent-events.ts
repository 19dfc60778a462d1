/**
 * The dashboard's memory of what happened: recent errors and breaker transitions, each in a
 * bounded ring, fed by one subscription to the source's events (not one per viewer).
 */
import type { Disposable, EventChannel, ResilienceEvent } from '../core/events.js';
import { redactSecrets } from '../core/redact.js';
import { Ring } from './ring.js';
import type { RecentError, RecentTransition } from './snapshot-types.js';

export class RecentEvents implements Disposable {
  private readonly errors: Ring<RecentError>;
  private readonly transitions: Ring<RecentTransition>;
  private readonly subscription: Disposable;

  constructor(events: EventChannel<ResilienceEvent>, capacity: number) {
    this.errors = new Ring(capacity);
    this.transitions = new Ring(capacity);
    this.subscription = events.on((event) => this.record(event));
  }

  /** Newest first. */
  recentErrors(): RecentError[] {
    return this.errors.newestFirst();
  }

  /** Newest first. */
  recentTransitions(): RecentTransition[] {
    return this.transitions.newestFirst();
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private record(event: ResilienceEvent): void {
    const error = errorOf(event);
    if (error) this.errors.push(error);
    else if (event.type === 'breaker_state_change') {
      this.transitions.push({ at: event.at, service: redactSecrets(event.service), from: event.from, to: event.to, reason: event.reason, failures: event.failures });
    }
  }
}

/**
 * The error an event reports, masked as it is captured: messages quote provider bodies, which may
 * quote a key (the snapshot is redacted again as a whole before it leaves).
 */
function errorOf(event: ResilienceEvent): RecentError | undefined {
  const base = { at: event.at, service: redactSecrets(event.service), event: event.type };
  switch (event.type) {
    case 'attempt_failed':
      return { ...base, kind: event.kind, attempt: event.attempt, message: redactSecrets(event.message) };
    case 'quota_exhausted':
      return { ...base, kind: 'quota_exhausted', attempt: event.attempt, message: redactSecrets(event.message) };
    case 'rate_limit_rejected':
      return { ...base, kind: 'limiter_rejected', message: redactSecrets(`Rejected by the rate limiter (${event.dimension}: ${event.reason}); retry after ${Math.ceil(event.retryAfterMs)} ms`) };
    case 'store_unavailable':
      return { ...base, kind: 'store_unavailable', message: redactSecrets(`Shared ${event.component === 'rateLimit' ? 'limiter' : 'breaker'} state unavailable: ${event.message}`) };
    default:
      return undefined;
  }
}
