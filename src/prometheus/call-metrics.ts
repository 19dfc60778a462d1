/** Per-service call counters, read from the pipelines' own lifetime totals at scrape time. */
import type { MetricSet } from './metric-set.js';

export function registerCallMetrics(metrics: MetricSet): void {
  metrics.scrapedCounter('requests_total', 'Calls finished, by outcome: "success", or the kind of the last failure (rate_limited, server_error, circuit_open, limiter_rejected, ...).', ['service', 'outcome'], (snapshot, emit) => {
    for (const [service, counters] of Object.entries(snapshot.stats.services)) {
      emit({ service, outcome: 'success' }, counters.succeeded);
      for (const [kind, count] of Object.entries(counters.failuresByKind)) emit({ service, outcome: kind }, count ?? 0);
    }
  });
  metrics.scrapedCounter('attempts_total', 'Attempts made (the first try and every retry).', ['service'], (snapshot, emit) => {
    for (const [service, counters] of Object.entries(snapshot.stats.services)) emit({ service }, counters.attempts);
  });
  metrics.scrapedCounter('retries_total', 'Retries scheduled.', ['service'], (snapshot, emit) => {
    for (const [service, counters] of Object.entries(snapshot.stats.services)) emit({ service }, counters.retries);
  });
}
