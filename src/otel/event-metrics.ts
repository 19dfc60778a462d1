/** OpenTelemetry counters fed by the engine's events: fallbacks, breaker transitions, rate-limit rejections, provider pauses. */
import type { Meter } from '@opentelemetry/api';
import type { ResilienceEvent } from '../core/events.js';
import { limiterOwner } from '../policy/model-limiters.js';

export function eventMetrics(meter: Meter): (event: ResilienceEvent) => void {
  const fallbacks = meter.createCounter('llm_resilience.fallbacks', { description: 'Calls that moved on to another provider.' });
  const transitions = meter.createCounter('llm_resilience.circuit.transitions', { description: 'Circuit breaker state changes.' });
  const rejections = meter.createCounter('llm_resilience.limiter.rejections', { description: 'Requests the rate limiter refused, by dimension and reason.' });
  const pauses = meter.createCounter('llm_resilience.provider.pauses', { description: "Provider retry-after pauses applied to a service's limiter." });
  return (event) => {
    switch (event.type) {
      case 'fallback':
        fallbacks.add(1, { from: event.service, to: event.to, kind: event.kind });
        break;
      case 'breaker_state_change':
        transitions.add(1, { service: event.service, from: event.from, to: event.to });
        break;
      case 'rate_limit_rejected':
        rejections.add(1, { ...limiterOwner(event.service, event), dimension: event.dimension, reason: event.reason });
        break;
      case 'provider_pause':
        pauses.add(1, limiterOwner(event.service, event));
        break;
      default:
        break;
    }
  };
}
