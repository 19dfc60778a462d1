/**
 * healthHandler served by node:http on 127.0.0.1: liveness, readiness (200, then 503 once every
 * provider's circuit is open) and metrics, for a UnifiedLLMClient talking to the mock provider
 * server over real HTTP; then routing, methods, and what never leaves in a body.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import { AllProvidersFailedError } from '../../src/core/errors.js';
import { healthHandler } from '../../src/http/index.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';
import type { HealthStatus } from '../../src/policy/health.js';
import { prometheusMetrics } from '../../src/prometheus/index.js';
import { Scrape } from '../prometheus/scrape.js';

const OPENAI_KEY = 'sk-proj-healthcheckopenai0001';
const GEMINI_KEY = 'AIzaSyHealthCheckGeminiKey000000001';
const servers: Server[] = [];

/** Serves `listener` on an ephemeral loopback port; closed after each test. */
async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('healthHandler over node:http, for a client of the mock provider server', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({
      seed: 5,
      keys: {
        [OPENAI_KEY]: { provider: 'openai', limits: { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }, outputTokens: 10, latency: { timeToFirstTokenMs: 1, perChunkMs: 0 } },
        [GEMINI_KEY]: { provider: 'google', limits: { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }, outputTokens: 10, latency: { timeToFirstTokenMs: 1, perChunkMs: 0 } },
      },
    });
  });
  afterAll(async () => mock.close());

  it('/healthz 200, /readyz 200 then 503 when every circuit is open, /metrics in step', async () => {
    const breaker = { failureThreshold: 1, openMs: 60_000 };
    const llm = new UnifiedLLMClient({
      env: {},
      preferredModel: 'gpt-4o-mini',
      fallback: ['google'],
      providers: {
        openai: { apiKey: OPENAI_KEY, baseURL: `${mock.url}/v1`, retry: false, circuitBreaker: breaker },
        google: { apiKey: GEMINI_KEY, baseURL: `${mock.url}/v1beta`, retry: false, circuitBreaker: breaker },
      },
    });
    const registry = new Registry();
    const metrics = prometheusMetrics(llm, { registry });
    const url = await serve(healthHandler(llm, { metrics: registry }));
    const ask = () => llm.chat({ messages: [{ role: 'user', content: 'ping' }], maxTokens: 16 });

    const live = await fetch(`${url}/healthz`);
    expect(live.status).toBe(200);
    expect(live.headers.get('cache-control')).toBe('no-store');
    expect(await live.json()).toEqual({ status: 'ok' });

    expect((await ask()).provider).toBe('openai');
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toMatch(/^application\/json/);
    const healthy = (await ready.json()) as HealthStatus;
    expect(healthy).toMatchObject({ status: 'healthy', issues: [], servicesAvailable: ['openai', 'google'] });
    expect(healthy.services.openai).toEqual({ available: true, circuitState: 'closed', queued: 0, issues: [] });

    // Both providers fail once: with failureThreshold 1, both circuits open.
    mock.setFaults({ outages: [{ mode: 'unavailable', status: 500 }] });
    await expect(ask()).rejects.toBeInstanceOf(AllProvidersFailedError);
    mock.clearFaults();

    const notReady = await fetch(`${url}/readyz?verbose=1`);
    expect(notReady.status).toBe(503);
    const text = await notReady.text();
    const unavailable = JSON.parse(text) as HealthStatus;
    expect(unavailable.status).toBe('unavailable');
    expect(unavailable.servicesAvailable).toEqual([]);
    expect(unavailable.services.openai).toMatchObject({ available: false, circuitState: 'open' });
    expect(unavailable.services.google).toMatchObject({ available: false, circuitState: 'open' });
    expect(unavailable.issues.join('\n')).toMatch(/Circuit 'openai' is OPEN/);
    // Liveness does not follow the providers: restarting the process would not bring them back.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const scraped = await fetch(`${url}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toBe(registry.contentType);
    const body = await scraped.text();
    const scrape = new Scrape(body);
    expect(scrape.value('llm_resilience_circuit_state', { service: 'openai', state: 'open' })).toBe(1);
    expect(scrape.value('llm_resilience_circuit_state', { service: 'google', state: 'open' })).toBe(1);
    expect(scrape.value('llm_resilience_health_status', { status: 'unavailable' })).toBe(1);
    expect(scrape.value('llm_resilience_requests_total', { service: 'openai', outcome: 'success' })).toBe(1);
    expect(scrape.value('llm_resilience_requests_total', { service: 'openai', outcome: 'server_error' })).toBe(1);
    expect(scrape.value('llm_resilience_fallbacks_total', { from: 'openai', to: 'google', kind: 'server_error' })).toBe(1);

    for (const secret of [OPENAI_KEY, GEMINI_KEY]) {
      expect(text).not.toContain(secret.slice(8));
      expect(body).not.toContain(secret.slice(8));
    }
    metrics.dispose();
    llm.close();
  });
});

describe('healthHandler: routing and methods', () => {
  const healthy: HealthStatus = { status: 'healthy', issues: [], servicesAvailable: ['openai'], services: { openai: { available: true, circuitState: 'closed', queued: 0, issues: [] } } };
  const source = { getHealthStatus: () => healthy };

  it('other paths: 404 without next; to next() when mounted in a framework', async () => {
    const alone = await serve(healthHandler(source));
    expect((await fetch(`${alone}/nothing-here`)).status).toBe(404);
    // No registry, no /metrics.
    expect((await fetch(`${alone}/metrics`)).status).toBe(404);

    const passed: string[] = [];
    const mounted = await serve((req, res) =>
      healthHandler(source)(req, res, () => {
        passed.push(req.url ?? '');
        res.end('from next');
      }),
    );
    expect(await (await fetch(`${mounted}/app/route`)).text()).toBe('from next');
    expect((await fetch(`${mounted}/readyz`)).status).toBe(200);
    expect(passed).toEqual(['/app/route']);
  });

  it('HEAD answers without a body; other methods get 405 with Allow', async () => {
    const url = await serve(healthHandler(source));
    const head = await fetch(`${url}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${url}/readyz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('degraded is still ready (200): some provider can serve', async () => {
    const degraded: HealthStatus = { ...healthy, status: 'degraded', issues: ["Circuit 'x' is HALF_OPEN (testing recovery)"] };
    const url = await serve(healthHandler({ getHealthStatus: () => degraded }));
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as HealthStatus).status).toBe('degraded');
  });
});

describe('healthHandler: nothing secret leaves', () => {
  it('keys quoted in issues are masked', async () => {
    const leaky: HealthStatus = {
      status: 'degraded',
      issues: ['Rate limiter \'openai\' shared store unavailable (auth failed for sk-proj-abcdefghijklmnop1234)'],
      servicesAvailable: ['openai'],
      services: { openai: { available: true, circuitState: 'closed', queued: 0, issues: ['Bearer abcdefghijklmnopqrstuvwx rejected'] } },
    };
    const url = await serve(healthHandler({ getHealthStatus: () => leaky }));
    const text = await (await fetch(`${url}/readyz`)).text();
    expect(text).not.toContain('abcdefghijklmnop1234');
    expect(text).not.toContain('abcdefghijklmnopqrstuvwx');
    expect(text).toContain('sk-proj-***');
  });

  it('a failing health check is 503 and a failing collector 500, neither quoting its error', async () => {
    const secret = 'sk-proj-neverinabody0123456789';
    const url = await serve(
      healthHandler(
        {
          getHealthStatus: () => {
            throw new Error(`cannot reach ${secret}`);
          },
        },
        { metrics: { contentType: 'text/plain', metrics: () => Promise.reject(new Error(`collector saw ${secret}`)) } },
      ),
    );
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', issues: ['health check failed'], servicesAvailable: [], services: {} });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(500);
    expect(await metrics.text()).not.toContain(secret);
  });
});
