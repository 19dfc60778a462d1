/**
 * `limiter_wait_seconds`: one observation per admitted attempt (0 when admitted at once), from the
 * engine's call instrumentation, which sees each admission (stats only keep the total).
 */
import type { Disposable } from '../core/events.js';
import type { CallInstrumentation } from '../policy/instrumentation.js';
import type { MetricSet } from './metric-set.js';

const WAIT_BUCKETS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function observeWaits(metrics: MetricSet, source: { instrument(i: CallInstrumentation): Disposable }): Disposable {
  const waits = metrics.histogram('limiter_wait_seconds', 'Time each attempt waited for the rate limiter (0: admitted at once).', ['service'], WAIT_BUCKETS);
  return source.instrument({
    startCall: (service) => ({
      startAttempt: () => ({ admitted: (waitedMs) => waits.observe({ service }, waitedMs / 1000), end: () => undefined }),
      end: () => undefined,
    }),
  });
}
