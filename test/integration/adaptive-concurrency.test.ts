/**
 * A provider that sends no rate-limit headers and holds requests over its capacity (DeepSeek, as
 * the mock plays it): the client learns a concurrency limit from latency (on by default for such
 * providers) instead of piling every caller onto it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';

const CAPACITY = 6;
const CALLERS = 24;
let mock: MockServer | undefined;
let llm: UnifiedLLMClient | undefined;
afterEach(async () => {
  llm?.close();
  llm = undefined;
  await mock?.close();
  mock = undefined;
});

describe('a provider without rate-limit headers that holds requests over capacity', () => {
  it('the concurrency is learned from latency: near the capacity, not the callers, and every call answered', async () => {
    mock = await startMockServer({
      seed: 9,
      keys: { 'sk-holds': { provider: 'deepseek', outputTokens: 10, limits: { maxConcurrent: CAPACITY }, latency: { timeToFirstTokenMs: 60, perChunkMs: 0 } } },
    });
    let inFlight = 0;
    let peakLate = 0;
    let started = 0;
    const counting: typeof fetch = async (input, init) => {
      inFlight++;
      // Past the first half of the run the limit has been learned: how many we send at once.
      if (++started > 200) peakLate = Math.max(peakLate, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    llm = new UnifiedLLMClient({
      env: {},
      fetch: counting,
      // Told generous rates, so that only the learned concurrency holds calls back.
      providers: { deepseek: { apiKey: 'sk-holds', baseURL: `${mock.url}/v1`, rateLimit: { requestsPerMinute: 1_000_000, tokensPerMinute: 1e9, maxWaitMs: 600_000 } } },
    });
    let next = 0;
    let failed = 0;
    const client = llm;
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < 400) {
          next++;
          await client.chat({ messages: [{ role: 'user', content: 'Classify: disk full on db-3' }], maxTokens: 16 }).catch(() => failed++);
        }
      }),
    );
    const stats = client.getResilienceStats().rateLimiters.deepseek!;
    expect(failed).toBe(0);
    expect(stats.adaptiveConcurrency).toBeDefined();
    expect(stats.adaptiveConcurrency!.limit).toBeGreaterThanOrEqual(2);
    expect(stats.adaptiveConcurrency!.limit).toBeLessThanOrEqual(3 * CAPACITY);
    // Without it, all 24 callers would be in flight at once, 18 of them held by the provider.
    expect(peakLate).toBeLessThanOrEqual(3 * CAPACITY);
    expect(peakLate).toBeLessThan(CALLERS);
  }, 60_000);
});
