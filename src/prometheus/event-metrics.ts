/**
 * Metrics counted from events, for what the engine keeps no lifetime total of (or keeps without
 * the detail): failed attempts by kind (429s are `kind="rate_limited"`), retry delays, fallbacks,
 * breaker transitions, limiter waits, provider pauses, store outages, shadow violations. They
 * count from the moment the collector subscribes. The limiter's events of one model (a service
 * limited per model) are labelled with their service and `model`, as the scraped limiter metrics are.
 */
import type { Disposable, EventChannel, ResilienceEvent } from '../core/events.js';
import { limiterOwner } from '../policy/model-limiters.js';
import type { MetricSet } from './metric-set.js';

/** Retry delays, in seconds: from a few ms of backoff to a provider's minute-long retry-after. */
const RETRY_DELAY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function countEvents(metrics: MetricSet, events: EventChannel<ResilienceEvent>): Disposable {
  const attemptFailures = metrics.counter('attempt_failures_total', 'Failed attempts, by the kind of failure (kind="rate_limited" counts the provider\'s 429s).', ['service', 'kind']);
  const retryDelay = metrics.histogram('retry_delay_seconds', 'Delay before each retry, from backoff or from the provider\'s retry-after.', ['service', 'cause'], RETRY_DELAY_BUCKETS);
  const fallbacks = metrics.counter('fallbacks_total', 'Calls that moved on from one provider to the next, by why the first did not serve.', ['from', 'to', 'kind']);
  const transitions = metrics.counter('circuit_transitions_total', 'Circuit breaker state changes.', ['service', 'from', 'to']);
  const waits = metrics.counter('limiter_waits_total', 'Requests that had to wait for admission, by the dimension that held them.', ['service', 'model', 'dimension']);
  const pauses = metrics.counter('provider_pauses_total', 'Retry-after signals that paused every request to the provider (one 429 may signal twice: by its headers and by its error).', ['service', 'model']);
  const storeOutages = metrics.counter('store_outages_total', 'Times the shared store (Redis) stopped answering.', ['service', 'model', 'component']);
  const shadowViolations = metrics.counter('shadow_violations_total', 'Calls that shadow mode let through but enforcing would have held or refused.', ['service', 'component']);

  return events.on((event) => {
    switch (event.type) {
      case 'attempt_failed':
        attemptFailures.inc({ service: event.service, kind: event.kind });
        break;
      case 'retry_scheduled':
        retryDelay.observe({ service: event.service, cause: event.fromRetryAfter ? 'retry_after' : 'backoff' }, event.delayMs / 1000);
        break;
      case 'fallback':
        fallbacks.inc({ from: event.service, to: event.to, kind: event.kind });
        break;
      case 'breaker_state_change':
        transitions.inc({ service: event.service, from: event.from, to: event.to });
        break;
      case 'rate_limit_wait':
        waits.inc({ ...limiterOwner(event.service, event), dimension: event.dimension });
        break;
      case 'provider_pause':
        pauses.inc(limiterOwner(event.service, event));
        break;
      case 'store_unavailable':
        storeOutages.inc({ ...limiterOwner(event.service, event), component: event.component });
        break;
      case 'shadow_violation':
        shadowViolations.inc({ service: event.service, component: event.component });
        break;
      default:
        // Counted elsewhere from stats (rejections, quota errors) or nothing to count.
        break;
    }
  });
}
