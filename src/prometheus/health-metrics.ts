/** Health, availability, shared-store health and quota, at scrape time. */
import type { HealthState } from '../policy/health.js';
import { limiterOwner } from '../policy/model-limiters.js';
import type { MetricSet } from './metric-set.js';

const HEALTH_STATES: readonly HealthState[] = ['healthy', 'degraded', 'unavailable'];

export function registerHealthMetrics(metrics: MetricSet): void {
  metrics.scrapedGauge('health_status', 'Overall health, as getHealthStatus() reports it: 1 for the current status, 0 for the others.', ['status'], (snapshot, emit) => {
    for (const status of HEALTH_STATES) emit({ status }, snapshot.health.status === status ? 1 : 0);
  });
  metrics.scrapedGauge('service_available', 'Whether the service can take a call now (circuit not open or isolated, quota not exhausted).', ['service'], (snapshot, emit) => {
    for (const [service, health] of Object.entries(snapshot.health.services)) emit({ service }, health.available ? 1 : 0);
  });
  metrics.scrapedGauge('store_healthy', 'Whether the shared store (Redis) answers, for limiters (each model\'s of a service limited per model) and breakers that use one.', ['service', 'model', 'component'], (snapshot, emit) => {
    for (const [key, stats] of Object.entries(snapshot.stats.rateLimiters)) if (stats.store) emit({ ...limiterOwner(key, stats), component: 'rateLimit' }, stats.store.healthy ? 1 : 0);
    for (const [service, stats] of Object.entries(snapshot.stats.circuitBreakers)) if (stats.shared) emit({ service, component: 'circuitBreaker' }, stats.shared.healthy ? 1 : 0);
  });
  metrics.scrapedGauge('quota_exhausted', 'Whether the provider is skipped as out of quota (UnifiedLLMClient only).', ['service'], (snapshot, emit) => {
    const exhausted = snapshot.quotaExhausted;
    if (exhausted === undefined) return;
    for (const service of Object.keys(snapshot.stats.services)) emit({ service }, service in exhausted ? 1 : 0);
  });
}
