/**
 * The metrics of a scripted run of UnifiedLLMClient against the mock provider server over real
 * HTTP: successes, a 429 (with its retry-after pause), an outage that opens a circuit, and
 * fallbacks to a second provider; then one scrape, parsed as Prometheus would, with exact counts.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import type { ResilienceEvent } from '../../src/core/events.js';
import { formatEvent } from '../../src/core/logger.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';
import { prometheusMetrics } from '../../src/prometheus/index.js';
import { Scrape } from './scrape.js';

const OPENAI_KEY = 'sk-metrics-openai';
const GEMINI_KEY = 'sk-metrics-gemini';
const P = 'llm_resilience_';
/** OpenAI limits per model: the client keeps a limiter per model, its series labelled with the model. */
const OPENAI_LIMITER = { service: 'openai', model: 'gpt-4o-mini' };

let mock: MockServer;
let llm: UnifiedLLMClient;
let registry: Registry;
let scrape: Scrape;
const served: string[] = [];
const fallbackEvents: Extract<ResilienceEvent, { type: 'fallback' }>[] = [];

beforeAll(async () => {
  mock = await startMockServer({
    seed: 3,
    keys: {
      [OPENAI_KEY]: { provider: 'openai', limits: { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }, outputTokens: 20, latency: { timeToFirstTokenMs: 2, perChunkMs: 0 } },
      [GEMINI_KEY]: { provider: 'google', limits: { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }, outputTokens: 20, latency: { timeToFirstTokenMs: 2, perChunkMs: 0 } },
    },
  });
  const provider = (apiKey: string, baseURL: string) => ({
    apiKey,
    baseURL,
    rateLimit: { requestsPerMinute: 600, tokensPerMinute: 1_000_000, maxConcurrent: 4 },
    // A retry-after over 20 ms is not slept: the 429 (retry-after 1 s) falls back at once.
    retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 20, jitter: 'none' as const },
    circuitBreaker: { failureThreshold: 2, openMs: 60_000 },
  });
  llm = new UnifiedLLMClient({
    env: {},
    preferredModel: 'gpt-4o-mini',
    fallback: ['google'],
    providers: { openai: provider(OPENAI_KEY, `${mock.url}/v1`), google: provider(GEMINI_KEY, `${mock.url}/v1beta`) },
  });
  registry = new Registry();
  prometheusMetrics(llm, { registry });
  llm.events.on((event) => {
    if (event.type === 'fallback') fallbackEvents.push(event);
  });

  const ask = async () => served.push((await llm.chat({ messages: [{ role: 'user', content: 'Classify: disk full on db-3' }], maxTokens: 32 })).provider);
  // 1. Three successes on the preferred provider.
  for (let i = 0; i < 3; i++) await ask();
  // 2. One 429 (retry-after 1 s, over the retry cap): no retry, fallback to google; openai's limiter pauses for 1 s.
  mock.setFaults({ errorRates: { '429': 1 } }, { key: OPENAI_KEY });
  await ask();
  mock.clearFaults();
  // 3. The next call to openai waits out the pause in the limiter, then succeeds.
  await ask();
  // 4. An outage: two 500s (the first retried once) open openai's circuit; google serves.
  mock.setFaults({ outages: [{ mode: 'unavailable', status: 500 }] }, { key: OPENAI_KEY });
  await ask();
  // 5. The circuit is open: the router skips openai and goes to google directly.
  await ask();
  scrape = new Scrape(await registry.metrics());
});

afterAll(async () => {
  llm?.close();
  await mock?.close();
});

describe('prometheusMetrics after a scripted run', () => {
  it('the run went as scripted', () => {
    expect(served).toEqual(['openai', 'openai', 'openai', 'google', 'openai', 'google', 'google']);
    expect(mock.ledger(OPENAI_KEY).received).toBe(7);
  });

  it('requests by service and outcome, attempts and retries', () => {
    expect(scrape.type(`${P}requests_total`)).toBe('COUNTER');
    expect(scrape.value(`${P}requests_total`, { service: 'openai', outcome: 'success' })).toBe(4);
    expect(scrape.value(`${P}requests_total`, { service: 'openai', outcome: 'rate_limited' })).toBe(1);
    expect(scrape.value(`${P}requests_total`, { service: 'openai', outcome: 'server_error' })).toBe(1);
    expect(scrape.value(`${P}requests_total`, { service: 'google', outcome: 'success' })).toBe(3);
    expect(scrape.sum(`${P}requests_total`, { service: 'google' })).toBe(3);
    expect(scrape.value(`${P}attempts_total`, { service: 'openai' })).toBe(7);
    expect(scrape.value(`${P}attempts_total`, { service: 'google' })).toBe(3);
    expect(scrape.value(`${P}retries_total`, { service: 'openai' })).toBe(1);
    expect(scrape.value(`${P}retries_total`, { service: 'google' })).toBe(0);
  });

  it("failed attempts by kind: the 429 is kind=rate_limited, the outage's 500s server_error", () => {
    expect(scrape.value(`${P}attempt_failures_total`, { service: 'openai', kind: 'rate_limited' })).toBe(1);
    expect(scrape.value(`${P}attempt_failures_total`, { service: 'openai', kind: 'server_error' })).toBe(2);
    expect(scrape.samples(`${P}attempt_failures_total`, { service: 'google' })).toEqual([]);
    const retryDelay = scrape.histogram(`${P}retry_delay_seconds`, { service: 'openai', cause: 'backoff' });
    expect(retryDelay?.count).toBe(1);
    // jitter none: the first retry waits baseDelayMs.
    expect(retryDelay?.sum).toBeCloseTo(0.005, 6);
    expect(retryDelay?.buckets).toMatchObject({ '0.01': 1, '+Inf': 1 });
    expect(scrape.type(`${P}retry_delay_seconds`)).toBe('HISTOGRAM');
  });

  it('fallbacks, by why the preferred provider did not serve', () => {
    expect(scrape.value(`${P}fallbacks_total`, { from: 'openai', to: 'google', kind: 'rate_limited' })).toBe(1);
    expect(scrape.value(`${P}fallbacks_total`, { from: 'openai', to: 'google', kind: 'server_error' })).toBe(1);
    expect(scrape.value(`${P}fallbacks_total`, { from: 'openai', to: 'google', kind: 'circuit_open' })).toBe(1);
    expect(scrape.sum(`${P}fallbacks_total`)).toBe(3);
  });

  it("the client's fallback events, and their log line", () => {
    expect(fallbackEvents.map(({ service, to, kind }) => ({ service, to, kind }))).toEqual([
      { service: 'openai', to: 'google', kind: 'rate_limited' },
      { service: 'openai', to: 'google', kind: 'server_error' },
      { service: 'openai', to: 'google', kind: 'circuit_open' },
    ]);
    expect(formatEvent(fallbackEvents[0]!)).toEqual({ level: 'warn', message: "🔀 Falling back from 'openai' to 'google' (rate_limited)" });
  });

  it('the circuit: state per service as 0/1 per state, and its transition', () => {
    expect(scrape.type(`${P}circuit_state`)).toBe('GAUGE');
    expect(scrape.value(`${P}circuit_state`, { service: 'openai', state: 'open' })).toBe(1);
    expect(scrape.value(`${P}circuit_state`, { service: 'openai', state: 'closed' })).toBe(0);
    expect(scrape.value(`${P}circuit_state`, { service: 'openai', state: 'half_open' })).toBe(0);
    expect(scrape.value(`${P}circuit_state`, { service: 'openai', state: 'isolated' })).toBe(0);
    expect(scrape.value(`${P}circuit_state`, { service: 'google', state: 'closed' })).toBe(1);
    expect(scrape.sum(`${P}circuit_state`, { service: 'google' })).toBe(1);
    expect(scrape.value(`${P}circuit_transitions_total`, { service: 'openai', from: 'closed', to: 'open' })).toBe(1);
    expect(scrape.sum(`${P}circuit_transitions_total`)).toBe(1);
    // The router skipped the open circuit: the breaker itself refused nothing.
    expect(scrape.value(`${P}circuit_rejected_calls_total`, { service: 'openai' })).toBe(0);
  });

  it("the 429's retry-after paused the limiter, and the next call waited it out", () => {
    // One 429, one pause: its retry-after is read from the response's headers and again from its error, reported once.
    expect(scrape.value(`${P}provider_pauses_total`, OPENAI_LIMITER)).toBe(1);
    expect(scrape.value(`${P}limiter_waits_total`, { ...OPENAI_LIMITER, dimension: 'retryAfter' })).toBe(1);
    expect(scrape.value(`${P}limiter_waited_total`, OPENAI_LIMITER)).toBe(1);
    const waitedSeconds = scrape.value(`${P}limiter_wait_seconds_total`, OPENAI_LIMITER)!;
    expect(waitedSeconds).toBeGreaterThan(0.5);
    expect(waitedSeconds).toBeLessThan(2);
    expect(scrape.value(`${P}limiter_wait_seconds_total`, { service: 'google' })).toBe(0);
  });

  it('limiter admissions, the last minute, and the live view', () => {
    expect(scrape.value(`${P}limiter_admitted_total`, OPENAI_LIMITER)).toBe(7);
    // The service's own limiter is for calls naming no model: there were none.
    expect(scrape.value(`${P}limiter_admitted_total`, { service: 'openai' })).toBe(0);
    expect(scrape.value(`${P}limiter_admitted_total`, { service: 'google' })).toBe(3);
    expect(scrape.sum(`${P}limiter_rejected_total`)).toBe(0);
    expect(scrape.value(`${P}limiter_requests_last_minute`, OPENAI_LIMITER)).toBe(7);
    expect(scrape.value(`${P}limiter_tokens_last_minute`, { service: 'google' })).toBeGreaterThan(0);
    expect(scrape.value(`${P}limiter_in_flight_requests`, OPENAI_LIMITER)).toBe(0);
    expect(scrape.value(`${P}limiter_max_concurrent`, OPENAI_LIMITER)).toBe(4);
    expect(scrape.sum(`${P}limiter_queued_requests`)).toBe(0);
    expect(scrape.samples(`${P}limiter_queued_requests`, OPENAI_LIMITER).map((s) => s.labels?.priority).sort()).toEqual(['high', 'low', 'normal']);
    expect(scrape.value(`${P}limiter_limit`, { ...OPENAI_LIMITER, dimension: 'requestsPerMinute' })).toBe(600);
    expect(scrape.value(`${P}limiter_limit`, { ...OPENAI_LIMITER, dimension: 'tokensPerMinute' })).toBe(1_000_000);
    const remaining = scrape.value(`${P}limiter_remaining`, { ...OPENAI_LIMITER, dimension: 'requestsPerMinute' })!;
    expect(remaining).toBeGreaterThanOrEqual(600 - 7);
    expect(remaining).toBeLessThanOrEqual(600);
    expect(scrape.value(`${P}limiter_paused_seconds`, OPENAI_LIMITER)).toBe(0);
  });

  it('health: degraded overall, openai unavailable, no shared store, quota fine', () => {
    expect(scrape.value(`${P}health_status`, { status: 'degraded' })).toBe(1);
    expect(scrape.value(`${P}health_status`, { status: 'healthy' })).toBe(0);
    expect(scrape.value(`${P}service_available`, { service: 'openai' })).toBe(0);
    expect(scrape.value(`${P}service_available`, { service: 'google' })).toBe(1);
    expect(scrape.samples(`${P}store_healthy`)).toEqual([]);
    expect(scrape.value(`${P}quota_exhausted`, { service: 'openai' })).toBe(0);
  });

  it('names follow the conventions: counters end in _total, durations in _seconds, no key anywhere', async () => {
    const text = await registry.metrics();
    for (const line of text.split('\n').filter((l) => l.startsWith('# TYPE '))) {
      const [, , name, type] = line.split(' ');
      expect(name!.startsWith(P)).toBe(true);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      if (/wait|delay|paused/.test(name!) && !/_total$|_requests$|_waits_total$/.test(name!)) expect(name).toMatch(/_seconds/);
    }
    expect(text).not.toContain(OPENAI_KEY);
    expect(text).not.toContain(GEMINI_KEY);
  });
});
