/**
 * The official SDKs, through resilientFetch, against the mock provider server over real HTTP:
 * plain and streaming calls work, usage is reconciled, headers correct the limiter, and provider
 * errors reach the SDK as its own typed errors.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resilientFetch } from '../../src/client/resilient-fetch.js';
import { createResilience, type Resilience } from '../../src/policy/resilience.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';

let mock: MockServer;

beforeAll(async () => {
  mock = await startMockServer({
    seed: 7,
    keys: {
      'sk-openai-test': { provider: 'openai', limits: { requestsPerMinute: 600, tokensPerMinute: 60_000 }, outputTokens: 30 },
      'sk-ant-plain': { provider: 'anthropic', limits: { requestsPerMinute: 600, inputTokensPerMinute: 40_000, outputTokensPerMinute: 8_000 }, outputTokens: 40 },
      'sk-ant-stream': { provider: 'anthropic', limits: { requestsPerMinute: 600, inputTokensPerMinute: 40_000, outputTokensPerMinute: 8_000 }, outputTokens: 40 },
      'sk-openai-no-quota': { provider: 'openai', quotaExhausted: true },
    },
  });
});
afterAll(async () => mock.close());

/** OpenAI limits per model: resilientFetch keeps one limiter per model, named `openai/<model>` in the stats. */
const MODEL_LIMITER = 'openai/gpt-4o-mini';

function openaiClient(resilience: Resilience, apiKey = 'sk-openai-test') {
  return new OpenAI({ apiKey, baseURL: `${mock.url}/v1`, maxRetries: 0, fetch: resilientFetch({ service: 'openai', resilience }) });
}

describe('openai SDK through resilientFetch', () => {
  it('plain call: works, and the limiter is reconciled to what the provider keeps', async () => {
    const resilience = createResilience({ services: { openai: { rateLimit: { requestsPerMinute: 600, tokensPerMinute: 60_000 } } } });
    const openai = openaiClient(resilience);
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'Summarise: the server is down.' }] });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    expect(completion.usage!.completion_tokens).toBe(30);
    const ledger = mock.ledger('sk-openai-test');
    const limiter = resilience.getStats().rateLimiters[MODEL_LIMITER]!;
    // The provider charged prompt + max_tokens; our bucket holds the same charge, no more.
    expect(limiter.tokensLastMinute).toBeGreaterThanOrEqual(ledger.charged.tokens);
    expect(limiter.tokensLastMinute).toBeLessThanOrEqual(ledger.charged.tokens * 1.2);
    expect(resilience.getStats().services.openai).toMatchObject({ requests: 1, succeeded: 1 });
  });

  it('streaming call: chunks reach the SDK untouched, usage from the last chunk is reconciled', async () => {
    const resilience = createResilience({ services: { openai: { rateLimit: { requestsPerMinute: 600, tokensPerMinute: 60_000, maxConcurrent: 4 } } } });
    const openai = openaiClient(resilience);
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 100,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Stream me something.' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    // The concurrency slot is held while the SDK reads the stream.
    let inFlightWhileStreaming = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
      inFlightWhileStreaming = Math.max(inFlightWhileStreaming, resilience.getStats().rateLimiters[MODEL_LIMITER]!.concurrentRequests);
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(30);
    expect(inFlightWhileStreaming).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(resilience.getStats().rateLimiters[MODEL_LIMITER]!.concurrentRequests).toBe(0);
    expect(resilience.getStats().services.openai).toMatchObject({ succeeded: 1 });
  });

  it("a limit configured too high is lowered by the provider's headers", async () => {
    const resilience = createResilience({ services: { openai: { rateLimit: { requestsPerMinute: 6000, tokensPerMinute: 600_000 } } } });
    await openaiClient(resilience).chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(resilience.getStats().rateLimiters[MODEL_LIMITER]).toMatchObject({ maxRequestsPerMinute: 600, maxTokensPerMinute: 60_000 });
  });

  it('an out-of-quota key: one attempt, and the SDK raises its own RateLimitError with code insufficient_quota', async () => {
    const resilience = createResilience({ services: { openai: { retry: { maxRetries: 3, baseDelayMs: 1 } } } });
    const error = await openaiClient(resilience, 'sk-openai-no-quota')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
    expect(resilience.getStats().services.openai).toMatchObject({ attempts: 1, retries: 0 });
  });

  it('warns when the SDK retries under us (x-stainless-retry-count > 0)', async () => {
    const warnings: string[] = [];
    const resilience = createResilience({ services: { openai: { retry: false } } });
    const openai = new OpenAI({
      apiKey: 'sk-openai-no-quota',
      baseURL: `${mock.url}/v1`,
      maxRetries: 1,
      fetch: resilientFetch({ service: 'openai', resilience, onWarning: (m) => warnings.push(m) }),
    });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
    // openai-node does not retry insufficient_quota by default either, so force one retry with a 500.
    mock.setFaults({ errorRates: { '500': 1 } }, { key: 'sk-openai-test' });
    try {
      const retrying = new OpenAI({ apiKey: 'sk-openai-test', baseURL: `${mock.url}/v1`, maxRetries: 1, fetch: resilientFetch({ service: 'openai', resilience, onWarning: (m) => warnings.push(m) }) });
      await retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
    } finally {
      mock.clearFaults('sk-openai-test');
    }
    expect(warnings.some((w) => w.includes('maxRetries: 0'))).toBe(true);
  });
});

describe('Anthropic SDK through resilientFetch', () => {
  const client = (resilience: Resilience, apiKey: string) =>
    new Anthropic({ apiKey, baseURL: mock.url, maxRetries: 0, fetch: resilientFetch({ service: 'anthropic', resilience }) });
  /** Tokens the buckets refill while a test runs (ITPM 40 000, OTPM 8 000 per minute). */
  const refill = (startedAt: number, perMinute: number) => ((performance.now() - startedAt) / 60_000) * perMinute + 1;

  it('plain call: input and output reconciled apart (unused output given back)', async () => {
    const resilience = createResilience({ services: { anthropic: { rateLimit: { inputTokensPerMinute: 40_000, outputTokensPerMinute: 8_000 } } } });
    const startedAt = performance.now();
    const message = await client(resilience, 'sk-ant-plain').messages.create({ model: 'claude-haiku-4-5', max_tokens: 1000, messages: [{ role: 'user', content: 'Classify this alert.' }] });
    expect(message.usage.output_tokens).toBe(40);
    const remaining = resilience.getStats().rateLimiters.anthropic!.remaining;
    // 1000 reserved at admission, 40 kept: the 960 unused came back; the input is the reported count.
    expect(8_000 - remaining.outputTokensPerMinute!).toBeGreaterThanOrEqual(40 - refill(startedAt, 8_000));
    expect(8_000 - remaining.outputTokensPerMinute!).toBeLessThanOrEqual(40 + 1);
    expect(40_000 - remaining.inputTokensPerMinute!).toBeGreaterThanOrEqual(message.usage.input_tokens - refill(startedAt, 40_000));
    expect(40_000 - remaining.inputTokensPerMinute!).toBeLessThanOrEqual(message.usage.input_tokens + 1);
  });

  it('streaming call through the SDK', async () => {
    const resilience = createResilience({ services: { anthropic: { rateLimit: { inputTokensPerMinute: 40_000, outputTokensPerMinute: 8_000 } } } });
    const startedAt = performance.now();
    const stream = client(resilience, 'sk-ant-stream').messages.stream({ model: 'claude-haiku-4-5', max_tokens: 500, messages: [{ role: 'user', content: 'Stream please.' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text.length).toBeGreaterThan(0);
    expect(final.usage.output_tokens).toBe(40);
    await new Promise((r) => setTimeout(r, 20));
    const used = 8_000 - resilience.getStats().rateLimiters.anthropic!.remaining.outputTokensPerMinute!;
    expect(used).toBeGreaterThanOrEqual(40 - refill(startedAt, 8_000));
    expect(used).toBeLessThanOrEqual(41);
  });
});
