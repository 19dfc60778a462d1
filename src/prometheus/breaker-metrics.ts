/**
 * Circuit breaker metrics, at scrape time. The state is one 0/1 series per state (an OpenMetrics
 * "stateset") rather than one number per state code: `circuit_state{state="open"} == 1` needs no
 * lookup table, sum/count by state work across services, and averaging never invents a state.
 */
import type { CircuitState } from '../core/events.js';
import type { MetricSet } from './metric-set.js';

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'half_open', 'open', 'isolated'];

export function registerBreakerMetrics(metrics: MetricSet): void {
  metrics.scrapedGauge('circuit_state', 'Circuit breaker state: 1 for the current state, 0 for the others.', ['service', 'state'], (snapshot, emit) => {
    for (const [service, breaker] of Object.entries(snapshot.stats.circuitBreakers)) {
      for (const state of CIRCUIT_STATES) emit({ service, state }, breaker.state === state ? 1 : 0);
    }
  });
  metrics.scrapedCounter('circuit_rejected_calls_total', 'Calls the breaker refused without making them (open, isolated, or no probe slot).', ['service'], (snapshot, emit) => {
    for (const [service, breaker] of Object.entries(snapshot.stats.circuitBreakers)) emit({ service }, breaker.rejected);
  });
}
