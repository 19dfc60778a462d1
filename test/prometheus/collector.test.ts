/**
 * prometheusMetrics on a Resilience: what it reads and when, its names and prefix, OpenMetrics,
 * shared-store health, and dispose().
 */
import { type OpenMetricsContentType, Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { prometheusMetrics } from '../../src/prometheus/index.js';
import { createResilience } from '../../src/policy/resilience.js';
import { redisStore } from '../../src/redis/index.js';
import { Scrape } from './scrape.js';

const P = 'llm_resilience_';
const serverError = () => Object.assign(new Error('boom'), { status: 500 });

function resilience() {
  return createResilience({
    services: {
      openai: { rateLimit: { requestsPerMinute: 60 }, circuitBreaker: { failureThreshold: 2 }, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, jitter: 'none' } },
      anthropic: { circuitBreaker: false, retry: false },
    },
  });
}

describe('prometheusMetrics on a Resilience', () => {
  it("a service limited per model: each model's limiter is its own series, labelled with its model, beside the service's own", async () => {
    const r = createResilience({ services: { openai: { rateLimit: { requestsPerMinute: 60, perModel: true }, retry: false } } });
    const registry = new Registry();
    prometheusMetrics(r, { registry });
    await r.execute('openai', async () => 'ok', { model: 'gpt-4o' });
    await r.execute('openai', async () => 'ok', { model: 'gpt-4o' });
    await r.execute('openai', async () => 'ok', { model: 'gpt-4o-mini' });
    await r
      .execute('openai', async () => Promise.reject(Object.assign(new Error('slow down'), { status: 429, headers: { 'retry-after': '5' } })), { model: 'gpt-4o-mini' })
      .catch(() => undefined);
    const scrape = new Scrape(await registry.metrics());
    expect(scrape.value(`${P}limiter_admitted_total`, { service: 'openai', model: 'gpt-4o' })).toBe(2);
    expect(scrape.value(`${P}limiter_admitted_total`, { service: 'openai', model: 'gpt-4o-mini' })).toBe(2);
    expect(scrape.value(`${P}limiter_admitted_total`, { service: 'openai' })).toBe(0);
    expect(scrape.value(`${P}limiter_limit`, { service: 'openai', model: 'gpt-4o', dimension: 'requestsPerMinute' })).toBe(60);
    expect(scrape.value(`${P}limiter_paused_seconds`, { service: 'openai', model: 'gpt-4o' })).toBe(0);
    expect(scrape.value(`${P}limiter_paused_seconds`, { service: 'openai', model: 'gpt-4o-mini' })).toBeGreaterThan(0);
    // The pause, counted from its event, is labelled the same way.
    expect(scrape.value(`${P}provider_pauses_total`, { service: 'openai', model: 'gpt-4o-mini' })).toBe(1);
  });

  it('exports the tokens admitted, refunded and debited by reconciliation', async () => {
    const r = createResilience({ services: { openai: { rateLimit: { tokensPerMinute: 100_000 } } } });
    const registry = new Registry();
    prometheusMetrics(r, { registry });
    const usage = (reply: { total: number }) => ({ tokens: reply.total });
    await r.execute('openai', async () => ({ total: 300 }), { tokens: 1_000, usage });
    await r.execute('openai', async () => ({ total: 1_200 }), { tokens: 1_000, usage });
    const scrape = new Scrape(await registry.metrics());
    expect(scrape.value(`${P}limiter_tokens_admitted_total`, { service: 'openai' })).toBe(2_000);
    expect(scrape.value(`${P}limiter_tokens_refunded_total`, { service: 'openai' })).toBe(700);
    expect(scrape.value(`${P}limiter_tokens_debited_total`, { service: 'openai' })).toBe(200);
    // One wait observation per admitted attempt (both at once here).
    expect(scrape.histogram(`${P}limiter_wait_seconds`, { service: 'openai' })).toMatchObject({ count: 2, sum: 0, buckets: { '0': 2 } });
  });

  it('counts calls made before it was attached (read from stats), and events from then on', async () => {
    const r = resilience();
    await r.execute('openai', async () => 'ok');
    const registry = new Registry();
    prometheusMetrics(r, { registry });
    await r.execute('openai', async () => 'ok');
    await expect(r.execute('openai', async () => Promise.reject(serverError()))).rejects.toThrow();
    const scrape = new Scrape(await registry.metrics());
    expect(scrape.value(`${P}requests_total`, { service: 'openai', outcome: 'success' })).toBe(2);
    expect(scrape.value(`${P}requests_total`, { service: 'openai', outcome: 'server_error' })).toBe(1);
    expect(scrape.value(`${P}attempts_total`, { service: 'openai' })).toBe(4);
    expect(scrape.value(`${P}attempt_failures_total`, { service: 'openai', kind: 'server_error' })).toBe(2);
    expect(scrape.value(`${P}circuit_transitions_total`, { service: 'openai', from: 'closed', to: 'open' })).toBe(1);
    // A service without a breaker or limiter has no such series; a Resilience tracks no quota.
    expect(scrape.samples(`${P}circuit_state`, { service: 'anthropic' })).toEqual([]);
    expect(scrape.samples(`${P}limiter_admitted_total`, { service: 'anthropic' })).toEqual([]);
    expect(scrape.value(`${P}requests_total`, { service: 'anthropic', outcome: 'success' })).toBe(0);
    expect(scrape.samples(`${P}quota_exhausted`)).toEqual([]);
    expect(scrape.value(`${P}health_status`, { status: 'degraded' })).toBe(1);
  });

  it('reads the stats and the health once per scrape, whatever the number of metrics', async () => {
    const r = resilience();
    const registry = new Registry();
    prometheusMetrics(r, { registry });
    const stats = vi.spyOn(r, 'getStats');
    const health = vi.spyOn(r, 'getHealthStatus');
    await registry.metrics();
    expect([stats.mock.calls.length, health.mock.calls.length]).toEqual([1, 1]);
    await registry.metrics();
    expect([stats.mock.calls.length, health.mock.calls.length]).toEqual([2, 2]);
  });

  it('a removed service disappears from the gauges at the next scrape', async () => {
    const r = resilience();
    const registry = new Registry();
    prometheusMetrics(r, { registry });
    r.addService('gemini', { rateLimit: { requestsPerMinute: 10 } });
    expect(new Scrape(await registry.metrics()).value(`${P}limiter_limit`, { service: 'gemini', dimension: 'requestsPerMinute' })).toBe(10);
    r.addService('gemini', { rateLimit: { requestsPerMinute: 20 } });
    const scrape = new Scrape(await registry.metrics());
    expect(scrape.samples(`${P}limiter_limit`, { service: 'gemini' }).map((s) => s.value)).toEqual(['20']);
  });

  it('a prefix of its own; an invalid prefix is a ConfigError', async () => {
    const r = resilience();
    const registry = new Registry();
    prometheusMetrics(r, { registry, prefix: 'app_llm_' });
    const text = await registry.metrics();
    expect(text).toContain('app_llm_requests_total');
    expect(text).not.toContain(P);
    expect(() => prometheusMetrics(r, { registry, prefix: 'bad-prefix' })).toThrow(ConfigError);
  });

  it('a second collector with the same names on the same registry is refused and leaves the first intact', async () => {
    const r = resilience();
    const registry = new Registry();
    prometheusMetrics(r, { registry });
    const before = await registry.metrics();
    expect(() => prometheusMetrics(r, { registry })).toThrow(/already been registered/);
    expect(await registry.metrics()).toBe(before);
  });

  it('dispose() stops counting events and removes its metrics; a new collector can take their place', async () => {
    const r = resilience();
    const registry = new Registry();
    const metrics = prometheusMetrics(r, { registry });
    expect(r.events.hasListeners).toBe(true);
    metrics.dispose();
    metrics.dispose();
    expect(r.events.hasListeners).toBe(false);
    expect(registry.getMetricsAsArray()).toEqual([]);
    const again = prometheusMetrics(r, { registry });
    await expect(r.execute('openai', async () => Promise.reject(serverError()))).rejects.toThrow();
    expect(new Scrape(await registry.metrics()).value(`${P}attempt_failures_total`, { service: 'openai', kind: 'server_error' })).toBe(2);
    again.dispose();
  });

  it('on an OpenMetrics registry, counters keep one _total suffix', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const r = resilience();
    prometheusMetrics(r, { registry });
    await r.execute('openai', async () => 'ok');
    const text = await registry.metrics();
    expect(text).toContain(`${P}requests_total{service="openai",outcome="success"} 1`);
    expect(text).not.toContain('_total_total');
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
  });

  it('shared-store health: 0 while Redis does not answer, and the outage counted', async () => {
    const calls: string[] = [];
    const unreachable = {
      evalsha: async () => Promise.reject(new Error('NOSCRIPT')),
      eval: async () => {
        calls.push('eval');
        throw new Error('connection refused');
      },
      script: async () => 'sha',
    };
    const r = createResilience({ store: redisStore(unreachable, { prefix: 'metrics-test' }), services: { openai: { rateLimit: { requestsPerMinute: 60 } } } });
    const registry = new Registry();
    prometheusMetrics(r, { registry });
    await r.execute('openai', async () => 'ok');
    const scrape = new Scrape(await registry.metrics());
    r.close();
    expect(calls.length).toBeGreaterThan(0);
    expect(scrape.value(`${P}store_healthy`, { service: 'openai', component: 'rateLimit' })).toBe(0);
    expect(scrape.value(`${P}store_outages_total`, { service: 'openai', component: 'rateLimit' })).toBe(1);
    expect(scrape.value(`${P}health_status`, { status: 'degraded' })).toBe(1);
  });
});
