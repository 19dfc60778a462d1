/**
 * llm-resilience/otel with the real OpenTelemetry SDK (in-memory exporters): one span per call with
 * its attempts as children, the wait for admission, failure kinds and statuses; the metrics; and
 * nothing observed once disposed.
 */
import * as api from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { instrumentOpenTelemetry } from '../../src/otel/index.js';
import { createResilience } from '../../src/policy/resilience.js';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import { startMockServer } from '../../src/mock/index.js';

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
// A meter provider per test: cumulative metrics would otherwise carry one test's calls into the next.
let metricExporter: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;
let meterProvider: MeterProvider;
beforeEach(() => {
  metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  meterProvider = new MeterProvider({ readers: [reader] });
});
afterEach(async () => {
  spans.reset();
  await meterProvider.shutdown();
});

async function collected(): Promise<Map<string, { attributes: Record<string, unknown>; value: unknown }[]>> {
  await reader.forceFlush();
  const byName = new Map<string, { attributes: Record<string, unknown>; value: unknown }[]>();
  const batches: ResourceMetrics[] = metricExporter.getMetrics();
  const last = batches[batches.length - 1];
  for (const scope of last?.scopeMetrics ?? []) {
    for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })));
  }
  return byName;
}

const serverError = () => Object.assign(new Error('upstream 500 for key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD'), { status: 500 });

describe('instrumentOpenTelemetry', () => {
  it('one call span, its attempts as children with their outcome and failure kind', async () => {
    const resilience = createResilience({ services: { openai: { rateLimit: { requestsPerMinute: 600 }, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, jitter: 'none' } } } });
    const otel = instrumentOpenTelemetry(resilience, { api, tracerProvider, meterProvider });
    let calls = 0;
    await resilience.execute('openai', async () => (++calls === 1 ? Promise.reject(serverError()) : 'ok'), { requestId: 'req-7' });
    otel.dispose();
    const finished = spans.getFinishedSpans();
    const call = finished.find((s) => s.name === 'llm_resilience.call')!;
    const attempts = finished.filter((s) => s.name === 'llm_resilience.attempt');
    expect(call.attributes).toMatchObject({ 'llm_resilience.service': 'openai', 'llm_resilience.request_id': 'req-7', 'llm_resilience.outcome': 'success', 'llm_resilience.attempts': 2 });
    expect(call.status.code).toBe(api.SpanStatusCode.UNSET);
    expect(attempts.map((a) => a.attributes['llm_resilience.outcome'])).toEqual(['server_error', 'success']);
    expect(attempts[0]!.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(attempts[0]!.attributes['llm_resilience.limiter.wait_ms']).toBe(0);
    for (const attempt of attempts) expect(attempt.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    // Secrets never reach a span.
    expect(JSON.stringify(finished.map((s) => [s.attributes, s.events, s.status]))).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
  });

  it('a call refused by the limiter ends its span with the rejection; the wait is in the attempt and the histogram', async () => {
    const clock = new ManualClock();
    const resilience = createResilience({ clock, services: { openai: { rateLimit: { requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, maxWaitMs: 5_000 }, retry: false } } });
    const otel = instrumentOpenTelemetry(resilience, { api, tracerProvider, meterProvider });
    await resilience.execute('openai', async () => 'first');
    const waited = resilience.execute('openai', async () => 'second');
    await clock.advanceAsync(1_000);
    await waited;
    await expect(resilience.execute('openai', async () => 'third', { maxWaitMs: 10 })).rejects.toThrow(/requestsPerMinute/);
    const metrics = await collected();
    otel.dispose();
    const calls = spans.getFinishedSpans().filter((s) => s.name === 'llm_resilience.call');
    expect(calls.map((c) => c.attributes['llm_resilience.outcome'])).toEqual(['success', 'success', 'limiter_rejected']);
    const attempts = spans.getFinishedSpans().filter((s) => s.name === 'llm_resilience.attempt');
    expect(attempts.map((a) => a.attributes['llm_resilience.limiter.wait_ms'])).toEqual([0, 1_000, undefined]);
    expect(metrics.get('llm_resilience.calls')).toEqual(
      expect.arrayContaining([
        { attributes: { service: 'openai', outcome: 'success' }, value: 2 },
        { attributes: { service: 'openai', outcome: 'limiter_rejected' }, value: 1 },
      ]),
    );
    const wait = metrics.get('llm_resilience.limiter.wait')![0]!.value as { count: number; sum: number };
    expect(wait).toMatchObject({ count: 2, sum: 1 });
    expect(metrics.get('llm_resilience.limiter.rejections')?.[0]?.value).toBe(1);
    // State observed at collection: nothing queued, the bucket spent, the circuit closed.
    expect(metrics.get('llm_resilience.limiter.queued')).toEqual([{ attributes: { service: 'openai' }, value: 0 }]);
    expect(metrics.get('llm_resilience.limiter.remaining')).toEqual([{ attributes: { service: 'openai', dimension: 'requestsPerMinute' }, value: 0 }]);
    expect(metrics.get('llm_resilience.circuit.state')).toEqual(expect.arrayContaining([{ attributes: { service: 'openai', state: 'closed' }, value: 1 }, { attributes: { service: 'openai', state: 'open' }, value: 0 }]));
    expect(metrics.get('llm_resilience.limiter.tokens')).toEqual(expect.arrayContaining([{ attributes: { service: 'openai', kind: 'admitted' }, value: 0 }]));
  });

  it("a service limited per model: each model's limiter observed with a model attribute, beside the service's own", async () => {
    const clock = new ManualClock();
    const resilience = createResilience({ clock, services: { openai: { rateLimit: { requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, perModel: true }, retry: false } } });
    const otel = instrumentOpenTelemetry(resilience, { api, tracerProvider, meterProvider });
    await resilience.execute('openai', async () => 'ok', { model: 'gpt-4o' });
    await expect(resilience.execute('openai', async () => 'late', { model: 'gpt-4o', maxWaitMs: 10 })).rejects.toThrow(/requestsPerMinute/);
    const metrics = await collected();
    otel.dispose();
    expect(metrics.get('llm_resilience.limiter.remaining')).toEqual([
      { attributes: { service: 'openai', dimension: 'requestsPerMinute' }, value: 1 },
      { attributes: { service: 'openai', model: 'gpt-4o', dimension: 'requestsPerMinute' }, value: 0 },
    ]);
    expect(metrics.get('llm_resilience.limiter.rejections')).toEqual([
      { attributes: { service: 'openai', model: 'gpt-4o', dimension: 'requestsPerMinute', reason: 'timeout' }, value: 1 },
    ]);
  });

  it('after dispose nothing is observed, and a Resilience without instrumentation creates no span', async () => {
    const resilience = createResilience({ services: { openai: {} } });
    instrumentOpenTelemetry(resilience, { api, tracerProvider, meterProvider }).dispose();
    await resilience.execute('openai', async () => 'ok');
    expect(spans.getFinishedSpans()).toEqual([]);
  });

  it('on a UnifiedLLMClient against the mock provider: spans per provider call, fallbacks counted', async () => {
    const mock = await startMockServer({ keys: { 'sk-o': { provider: 'openai', outputTokens: 3 }, 'sk-a': { provider: 'anthropic', outputTokens: 3 } } });
    const llm = new UnifiedLLMClient({
      env: {},
      providers: { openai: { apiKey: 'sk-o', baseURL: `${mock.url}/v1`, retry: false }, anthropic: { apiKey: 'sk-a', baseURL: `${mock.url}/v1` } },
      fallback: ['anthropic'],
    });
    const otel = instrumentOpenTelemetry(llm, { api, tracerProvider, meterProvider });
    try {
      mock.setFaults({ errorRates: { '500': 1 } }, { key: 'sk-o' });
      const reply = await llm.chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 5, requestId: 'r-1' });
      expect(reply.provider).toBe('anthropic');
      const metrics = await collected();
      const calls = spans.getFinishedSpans().filter((s) => s.name === 'llm_resilience.call');
      expect(calls.map((c) => [c.attributes['llm_resilience.service'], c.attributes['llm_resilience.outcome']])).toEqual([
        ['openai', 'server_error'],
        ['anthropic', 'success'],
      ]);
      expect(metrics.get('llm_resilience.fallbacks')).toEqual([{ attributes: { from: 'openai', to: 'anthropic', kind: 'server_error' }, value: 1 }]);
    } finally {
      otel.dispose();
      llm.close();
      await mock.close();
    }
  });
});
