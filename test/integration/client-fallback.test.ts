/**
 * UnifiedLLMClient against the mock provider server over real HTTP: fallback on outages and quota,
 * streams that fall back only before their first content, and typed mid-stream errors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import { AllProvidersFailedError, QuotaExceededError, StreamInterruptedError } from '../../src/core/errors.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';

let mock: MockServer;

beforeAll(async () => {
  mock = await startMockServer({
    seed: 11,
    keys: {
      'sk-a-openai': { provider: 'openai', limits: { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }, outputTokens: 20, latency: { timeToFirstTokenMs: 5, perChunkMs: 1 } },
      'sk-b-gemini': { provider: 'google', limits: { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }, outputTokens: 20, latency: { timeToFirstTokenMs: 5, perChunkMs: 1 } },
      'sk-c-anthropic': { provider: 'anthropic', limits: { requestsPerMinute: 6000, inputTokensPerMinute: 1_000_000, outputTokensPerMinute: 1_000_000 }, outputTokens: 20, latency: { timeToFirstTokenMs: 5, perChunkMs: 1 } },
      'sk-d-deepseek': { provider: 'deepseek', limits: { requestsPerMinute: 6000, tokensPerMinute: 1_000_000 }, outputTokens: 20, latency: { timeToFirstTokenMs: 5, perChunkMs: 1 } },
      'sk-no-quota': { provider: 'openai', quotaExhausted: true },
    },
  });
});
afterAll(async () => mock.close());
afterEach(() => {
  mock.clearFaults();
  mock.reset();
});

const ask = { messages: [{ role: 'user' as const, content: 'Classify: disk full on db-3' }], maxTokens: 64 };

function client(overrides: ConstructorParameters<typeof UnifiedLLMClient>[0] = {}) {
  return new UnifiedLLMClient({
    env: {},
    providers: {
      openai: { apiKey: 'sk-a-openai', baseURL: `${mock.url}/v1`, retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20 }, circuitBreaker: { failureThreshold: 3, openMs: 300 } },
      google: { apiKey: 'sk-b-gemini', baseURL: `${mock.url}/v1beta`, retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20 } },
    },
    preferredModel: 'gpt-4o-mini',
    fallback: ['google'],
    ...overrides,
  });
}

describe('UnifiedLLMClient.chat', () => {
  it('answers from the preferred provider, with usage', async () => {
    const result = await client().chat(ask);
    expect(result).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', attempts: 1, fallbackFrom: undefined, usage: { outputTokens: 20 } });
    expect(result.content.length).toBeGreaterThan(0);
  });

  it('each surface works: Anthropic, Gemini, and an OpenAI-compatible one', async () => {
    const llm = new UnifiedLLMClient({
      env: {},
      providers: {
        anthropic: { apiKey: 'sk-c-anthropic', baseURL: `${mock.url}/v1` },
        google: { apiKey: 'sk-b-gemini', baseURL: `${mock.url}/v1beta` },
        deepseek: { apiKey: 'sk-d-deepseek', baseURL: `${mock.url}/v1` },
      },
    });
    for (const model of ['claude-haiku-4-5', 'gemini-2.5-flash', 'deepseek-chat']) {
      const result = await llm.chat({ ...ask, model });
      expect(result.usage?.outputTokens).toBe(20);
      expect(result.content.length).toBeGreaterThan(0);
    }
  });

  it('outage on A (503, then connection resets): every request is served by B, the breaker opens then closes, and A sees no retry storm', async () => {
    const llm = client();
    mock.setFaults({ outages: [{ mode: 'unavailable', status: 503, untilMs: 400 }, { mode: 'reset', fromMs: 400, untilMs: 800 }] }, { key: 'sk-a-openai' });
    const results = [];
    for (let i = 0; i < 30; i++) {
      results.push(await llm.chat(ask));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(results.every((r) => r.content.length > 0)).toBe(true);
    expect(results.filter((r) => r.provider === 'google').length).toBeGreaterThan(0);
    const received = mock.ledger('sk-a-openai').received;
    // Without a breaker, 30 requests x 3 attempts would be 90 calls to A.
    expect(received).toBeLessThan(30);
    expect(llm.getResilienceStats().circuitBreakers.openai!.transitions).toBeGreaterThanOrEqual(1);
    // After the outage, probes close the circuit again.
    await new Promise((r) => setTimeout(r, 900));
    for (let i = 0; i < 5; i++) await llm.chat(ask);
    expect(llm.getResilienceStats().circuitBreakers.openai!.state).toBe('closed');
    expect((await llm.chat(ask)).provider).toBe('openai');
  });

  it('an out-of-quota key is tried once, never retried, and falls back at once', async () => {
    const llm = client({ providers: { openai: { apiKey: 'sk-no-quota', baseURL: `${mock.url}/v1` }, google: { apiKey: 'sk-b-gemini', baseURL: `${mock.url}/v1beta` } } });
    const first = await llm.chat(ask);
    expect(first).toMatchObject({ provider: 'google', fallbackFrom: 'openai' });
    expect(mock.ledger('sk-no-quota').received).toBe(1);
    // Skipped while out of quota: no second call to it.
    await llm.chat(ask);
    expect(mock.ledger('sk-no-quota').received).toBe(1);
    expect(llm.getHealthStatus().issues.join()).toContain("'openai' is out of quota");
  });

  it('without a fallback, an out-of-quota key raises QuotaExceededError after one attempt', async () => {
    const llm = new UnifiedLLMClient({ env: {}, providers: { openai: { apiKey: 'sk-no-quota', baseURL: `${mock.url}/v1` } } });
    await expect(llm.chat(ask)).rejects.toBeInstanceOf(QuotaExceededError);
    expect(mock.ledger('sk-no-quota').received).toBe(1);
  });

  it('when every provider fails: AllProvidersFailedError with each cause', async () => {
    const llm = client();
    mock.setFaults({ outages: [{ mode: 'unavailable', status: 500 }] });
    const error = (await llm.chat(ask).catch((e: unknown) => e)) as AllProvidersFailedError;
    expect(error).toBeInstanceOf(AllProvidersFailedError);
    expect(error.failures.map((f) => f.provider)).toEqual(['openai', 'google']);
  });

  it('client errors are not retried and do not fall back', async () => {
    const llm = client();
    await expect(llm.chat({ ...ask, messages: [] })).rejects.toThrow(/messages/);
  });
});

describe('UnifiedLLMClient.stream', () => {
  it('streams content, then a done chunk with usage', async () => {
    const chunks = [];
    for await (const chunk of client().stream(ask)) chunks.push(chunk);
    const done = chunks.at(-1);
    expect(chunks.filter((c) => c.type === 'content').length).toBeGreaterThan(1);
    expect(done).toMatchObject({ type: 'done', provider: 'openai', usage: { outputTokens: 20 } });
  });

  it('falls back before the first content (an error event at the start)', async () => {
    mock.setFaults({ stream: { errorAfterChunks: 0 } }, { key: 'sk-a-openai' });
    const chunks = [];
    for await (const chunk of client({ providers: { openai: { apiKey: 'sk-a-openai', baseURL: `${mock.url}/v1`, retry: false }, google: { apiKey: 'sk-b-gemini', baseURL: `${mock.url}/v1beta` } } }).stream(ask)) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ type: 'done', provider: 'google', fallbackFrom: 'openai' });
  });

  it('a stream cut after content is a StreamInterruptedError, never a clean end (Portkey-AI/gateway#1797)', async () => {
    mock.setFaults({ stream: { cutAfterChunks: 3 } }, { key: 'sk-a-openai' });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of client().stream(ask)) if (chunk.type === 'content') received.push(chunk.text);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(received.length).toBe(3);
  });

  it('keep-alive lines do not keep a dead stream alive: the first-chunk timeout fires', async () => {
    mock.setFaults({ stream: { keepAliveOnly: true, keepAliveIntervalMs: 20 } }, { key: 'sk-a-openai' });
    const llm = client({
      stream: { firstChunkTimeoutMs: 300, idleTimeoutMs: 300 },
      providers: { openai: { apiKey: 'sk-a-openai', baseURL: `${mock.url}/v1`, retry: false }, google: { apiKey: 'sk-b-gemini', baseURL: `${mock.url}/v1beta` } },
    });
    const started = performance.now();
    const chunks = [];
    for await (const chunk of llm.stream(ask)) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ type: 'done', provider: 'google' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('breaking out of the loop early cancels the call and frees its slot', async () => {
    const llm = client();
    for await (const chunk of llm.stream(ask)) {
      if (chunk.type === 'content') break;
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(llm.getResilienceStats().rateLimiters.openai!.concurrentRequests).toBe(0);
  });
});

describe('UnifiedLLMClient: the deadline covers every provider', () => {
  it('a slow provider uses up the deadline: no call to the fallback is started after it, and the cause says so', async () => {
    mock.setFaults({ addedLatencyMs: 500 }, { key: 'sk-a-openai' });
    const llm = client();
    const error = (await llm.chat({ ...ask, deadlineMs: 200 }).catch((e: unknown) => e)) as AllProvidersFailedError;
    expect(error).toBeInstanceOf(AllProvidersFailedError);
    expect(error.failures.map((f) => [f.provider, f.kind])).toEqual([
      ['openai', 'timeout'],
      ['google', 'timeout'],
    ]);
    expect(mock.ledger('sk-b-gemini').received).toBe(0);
  });
});
