/**
 * Spans per call and per attempt: `llm_resilience.call` (its attempts as children) with the
 * service, request id, attempts and outcome; `llm_resilience.attempt` with its number, the time
 * it waited for admission and, on failure, the failure kind. Both parented on the active context,
 * so they sit under the application's own spans.
 */
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { classifyError } from '../core/classify.js';
import { messageOf } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import type { AttemptObserver, CallInstrumentation, CallObserver } from '../policy/instrumentation.js';
import type { CallMetrics } from './call-metrics.js';
import type { OpenTelemetryApi } from './otel-api.js';

export const ATTR = {
  service: 'llm_resilience.service',
  requestId: 'llm_resilience.request_id',
  attempt: 'llm_resilience.attempt',
  attempts: 'llm_resilience.attempts',
  outcome: 'llm_resilience.outcome',
  waitMs: 'llm_resilience.limiter.wait_ms',
  kind: 'llm_resilience.failure_kind',
} as const;

export function callTracer(api: OpenTelemetryApi, tracer: Tracer, metrics: CallMetrics): CallInstrumentation {
  const failed = (span: Span, error: unknown): string => {
    const kind = classifyError(error);
    const message = redactSecrets(messageOf(error));
    span.setAttribute(ATTR.kind, kind);
    span.recordException({ name: kind, message });
    span.setStatus({ code: api.SpanStatusCode.ERROR, message });
    return kind;
  };
  return {
    startCall(service, requestId): CallObserver {
      const attributes: Attributes = { [ATTR.service]: service };
      if (requestId !== undefined) attributes[ATTR.requestId] = requestId;
      const callSpan = tracer.startSpan('llm_resilience.call', { kind: api.SpanKind.CLIENT, attributes });
      const callContext = api.trace.setSpan(api.context.active(), callSpan);
      const started = performance.now();
      let attempts = 0;
      return {
        startAttempt(attempt): AttemptObserver {
          attempts = attempt;
          const span = tracer.startSpan('llm_resilience.attempt', { attributes: { [ATTR.service]: service, [ATTR.attempt]: attempt } }, callContext);
          let ended = false;
          return {
            admitted(waitedMs) {
              span.setAttribute(ATTR.waitMs, waitedMs);
              metrics.admissionWait(service, waitedMs);
            },
            end(error) {
              if (ended) return;
              ended = true;
              const outcome = error === undefined ? 'success' : failed(span, error);
              span.setAttribute(ATTR.outcome, outcome);
              metrics.attempt(service, outcome);
              span.end();
            },
          };
        },
        end(error) {
          const outcome = error === undefined ? 'success' : failed(callSpan, error);
          callSpan.setAttributes({ [ATTR.outcome]: outcome, [ATTR.attempts]: attempts });
          metrics.call(service, outcome, (performance.now() - started) / 1000);
          callSpan.end();
        },
      };
    },
  };
}
