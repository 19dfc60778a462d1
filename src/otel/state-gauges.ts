/**
 * What the engine holds now, observed at each collection (one stats read per collection): queue
 * depth, concurrency in use, what each limit has left, breaker state (one 0/1 series per state),
 * and the limiter's lifetime token counters (admitted, refunded and debited by reconciliation).
 */
import type { Meter } from '@opentelemetry/api';
import type { Disposable } from '../core/events.js';
import { limiterOwner } from '../policy/model-limiters.js';
import type { ResilienceStats } from '../policy/resilience.js';

const STATES = ['closed', 'half_open', 'open', 'isolated'] as const;

export function observeState(meter: Meter, readStats: () => Pick<ResilienceStats, 'circuitBreakers' | 'rateLimiters'>): Disposable {
  const queued = meter.createObservableGauge('llm_resilience.limiter.queued', { description: 'Requests waiting for admission.' });
  const inFlight = meter.createObservableGauge('llm_resilience.limiter.in_flight', { description: 'Admitted requests not yet released.' });
  const remaining = meter.createObservableGauge('llm_resilience.limiter.remaining', { description: 'What each limit has left now.' });
  const circuit = meter.createObservableGauge('llm_resilience.circuit.state', { description: 'Circuit state: 1 for the current state, 0 for the others.' });
  const tokens = meter.createObservableCounter('llm_resilience.limiter.tokens', { description: 'Tokens charged at admission (admitted), and given back or charged by reconciliation (refunded, debited).' });
  const instruments = [queued, inFlight, remaining, circuit, tokens];
  const callback = (observer: Parameters<Parameters<Meter['addBatchObservableCallback']>[0]>[0]): void => {
    const stats = readStats();
    for (const [key, limiter] of Object.entries(stats.rateLimiters)) {
      // A service limited per model: one series per model, with a `model` attribute.
      const owner = limiterOwner(key, limiter);
      observer.observe(queued, limiter.queued, owner);
      observer.observe(inFlight, limiter.concurrentRequests, owner);
      for (const [dimension, left] of Object.entries(limiter.remaining)) if (Number.isFinite(left)) observer.observe(remaining, left, { ...owner, dimension });
      observer.observe(tokens, limiter.tokensAdmitted, { ...owner, kind: 'admitted' });
      observer.observe(tokens, limiter.tokensRefunded, { ...owner, kind: 'refunded' });
      observer.observe(tokens, limiter.tokensDebited, { ...owner, kind: 'debited' });
    }
    for (const [service, breaker] of Object.entries(stats.circuitBreakers)) {
      for (const state of STATES) observer.observe(circuit, breaker.state === state ? 1 : 0, { service, state });
    }
  };
  meter.addBatchObservableCallback(callback, instruments);
  return { dispose: () => meter.removeBatchObservableCallback(callback, instruments) };
}
