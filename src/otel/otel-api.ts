/** The part of `@opentelemetry/api` used here, typed structurally so the package stays an optional peer. */
import type * as OtelApi from '@opentelemetry/api';

export type OpenTelemetryApi = Pick<typeof OtelApi, 'trace' | 'context' | 'metrics' | 'SpanStatusCode' | 'SpanKind'>;

/** The application's `@opentelemetry/api`, loaded only when asked for (a clear error when it is not installed). */
export async function loadOpenTelemetryApi(): Promise<OpenTelemetryApi> {
  try {
    return (await import('@opentelemetry/api')) as OpenTelemetryApi;
  } catch {
    throw new Error('llm-resilience/otel needs @opentelemetry/api (npm install @opentelemetry/api), or pass it as { api }');
  }
}
