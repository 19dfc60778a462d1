/** OpenTelemetry instruments for calls, attempts and admission waits (seconds, as the conventions ask). */
import type { Meter } from '@opentelemetry/api';

export interface CallMetrics {
  call(service: string, outcome: string, seconds: number): void;
  attempt(service: string, outcome: string): void;
  admissionWait(service: string, waitedMs: number): void;
}

export function callMetrics(meter: Meter): CallMetrics {
  const calls = meter.createCounter('llm_resilience.calls', { description: 'Calls, by service and outcome (success or the failure kind).' });
  const duration = meter.createHistogram('llm_resilience.call.duration', { unit: 's', description: 'Call duration, retries and waits included.' });
  const attempts = meter.createCounter('llm_resilience.attempts', { description: 'Attempts, by service and outcome.' });
  const wait = meter.createHistogram('llm_resilience.limiter.wait', { unit: 's', description: 'Time an attempt waited for the rate limiter.' });
  return {
    call(service, outcome, seconds) {
      calls.add(1, { service, outcome });
      duration.record(seconds, { service, outcome });
    },
    attempt(service, outcome) {
      attempts.add(1, { service, outcome });
    },
    admissionWait(service, waitedMs) {
      wait.record(waitedMs / 1000, { service });
    },
  };
}
