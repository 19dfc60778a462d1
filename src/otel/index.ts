/**
 * `llm-resilience/otel`: OpenTelemetry spans per call and per attempt, and metrics, through the
 * application's own `@opentelemetry/api` (an optional peer dependency: nothing is loaded, and the
 * engine pays nothing, unless this is called).
 *
 * ```ts
 * import * as api from '@opentelemetry/api';
 * import { instrumentOpenTelemetry } from 'llm-resilience/otel';
 * const otel = instrumentOpenTelemetry(llm, { api });   // llm: a UnifiedLLMClient or a Resilience
 * // ... otel.dispose() to stop
 * ```
 */
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { Disposable, EventChannel, ResilienceEvent } from '../core/events.js';
import type { CallInstrumentation } from '../policy/instrumentation.js';
import { callMetrics } from './call-metrics.js';
import { callTracer } from './call-tracer.js';
import { eventMetrics } from './event-metrics.js';
import { loadOpenTelemetryApi, type OpenTelemetryApi } from './otel-api.js';
import { observeState } from './state-gauges.js';
import type { ResilienceStats } from '../policy/resilience.js';

export { ATTR } from './call-tracer.js';
export type { OpenTelemetryApi } from './otel-api.js';

/** What can be instrumented: a Resilience (getStats) or a UnifiedLLMClient (getResilienceStats). */
export type InstrumentableSource = {
  readonly events: EventChannel<ResilienceEvent>;
  instrument(instrumentation: CallInstrumentation): Disposable;
} & ({ getStats(): StatsView } | { getResilienceStats(): StatsView });

type StatsView = Pick<ResilienceStats, 'circuitBreakers' | 'rateLimiters'>;

export interface OpenTelemetryOptions {
  /** The application's `@opentelemetry/api` (`import * as api from '@opentelemetry/api'`). */
  api: OpenTelemetryApi;
  /** Tracer and meter name. Default 'llm-resilience'. */
  name?: string;
  /** Default: the global one registered by the application's SDK. */
  tracerProvider?: TracerProvider;
  /** Default: the global one registered by the application's SDK. */
  meterProvider?: MeterProvider;
}

export function instrumentOpenTelemetry(source: InstrumentableSource, options: OpenTelemetryOptions): Disposable {
  const name = options.name ?? 'llm-resilience';
  const { api } = options;
  const meter = (options.meterProvider ?? api.metrics.getMeterProvider()).getMeter(name);
  const tracer = (options.tracerProvider ?? api.trace.getTracerProvider()).getTracer(name);
  const tracing = source.instrument(callTracer(api, tracer, callMetrics(meter)));
  const events = source.events.on(eventMetrics(meter));
  const state = observeState(meter, () => ('getStats' in source ? source.getStats() : source.getResilienceStats()));
  return {
    dispose() {
      tracing.dispose();
      events.dispose();
      state.dispose();
    },
  };
}

/** The same, loading `@opentelemetry/api` itself (it must be installed). */
export async function instrumentOpenTelemetryAuto(source: InstrumentableSource, options: Omit<OpenTelemetryOptions, 'api'> = {}): Promise<Disposable> {
  return instrumentOpenTelemetry(source, { ...options, api: await loadOpenTelemetryApi() });
}
