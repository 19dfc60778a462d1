import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/clock.js';
import type { MockServer } from '../../src/mock/index.js';
import { anthropicMessage, geminiGenerate, oneMessagePrompt, openaiChat, startOnManualClock, statuses } from './helpers.js';

let mock: MockServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function openaiServer(limits: Record<string, number>): Promise<{ mock: MockServer; clock: ManualClock }> {
  const started = await startOnManualClock({ keys: { k: { provider: 'openai', limits, outputTokens: 1 } } });
  mock = started.mock;
  return started;
}

describe('mock limits: continuous token buckets per key', () => {
  it('a burst beyond RPM gets 429 with retry-after, retry-after-ms, the rate-limit headers and OpenAI\'s body', async () => {
    const { mock } = await openaiServer({ requestsPerMinute: 6 });
    expect(await statuses(6, () => openaiChat(mock, 'k', {}))).toEqual([200, 200, 200, 200, 200, 200]);
    const response = await openaiChat(mock, 'k', {});
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('10');
    expect(response.headers.get('retry-after-ms')).toBe('10000');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(response.headers.get('x-ratelimit-reset-requests')).toBe('1m0s');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await response.json()).toEqual({
      error: {
        message: 'Rate limit reached for gpt-4o-mini in organization org-mock on requests per min (RPM): Limit 6, Used 6, Requested 1. Please try again in 10s. Visit https://platform.openai.com/account/rate-limits to learn more.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
  });

  it('refills continuously: one request every 10 s at 6 RPM, exactly when due', async () => {
    const { mock, clock } = await openaiServer({ requestsPerMinute: 6 });
    await statuses(6, () => openaiChat(mock, 'k', {}));
    clock.advance(5_000);
    const early = await openaiChat(mock, 'k', {});
    expect(early.status).toBe(429);
    expect(early.headers.get('retry-after-ms')).toBe('5000');
    expect(early.headers.get('x-ratelimit-reset-requests')).toBe('55s');
    clock.advance(4_999);
    expect((await openaiChat(mock, 'k', {})).status).toBe(429);
    clock.advance(1);
    expect(await statuses(2, () => openaiChat(mock, 'k', {}))).toEqual([200, 429]);
    clock.advance(30_000);
    expect(await statuses(4, () => openaiChat(mock, 'k', {}))).toEqual([200, 200, 200, 429]);
  });

  it('rejected requests consume nothing: after 50 refusals the next one still comes exactly on time', async () => {
    const { mock, clock } = await openaiServer({ requestsPerMinute: 6, tokensPerMinute: 100_000 });
    await statuses(6, () => openaiChat(mock, 'k', {}));
    const before = await openaiChat(mock, 'k', {});
    const remainingTokens = before.headers.get('x-ratelimit-remaining-tokens');
    await before.arrayBuffer();
    expect(await statuses(50, () => openaiChat(mock, 'k', { max_tokens: 1000 }))).toEqual(Array(50).fill(429));
    const after = await openaiChat(mock, 'k', {});
    expect(after.headers.get('x-ratelimit-remaining-tokens')).toBe(remainingTokens);
    clock.advance(10_000);
    expect(await statuses(2, () => openaiChat(mock, 'k', {}))).toEqual([200, 429]);
    const ledger = mock.ledger('k');
    expect(ledger.rejected.requests).toBe(53);
    expect(ledger.admitted).toBe(7);
    expect(ledger.violations).toBe(0);
  });

  it('a refusal on tokens names TPM with Limit, Used and Requested', async () => {
    const { mock } = await openaiServer({ tokensPerMinute: 1000 });
    const prompt = oneMessagePrompt(11);
    expect((await openaiChat(mock, 'k', { max_tokens: 600 })).status).toBe(200);
    const response = await openaiChat(mock, 'k', { max_tokens: 600 });
    expect(response.status).toBe(429);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('tokens');
    expect(body.error.message).toContain(`on tokens per min (TPM): Limit 1000, Used ${prompt + 600}, Requested ${prompt + 600}. Please try again in`);
  });

  it('a request larger than the bucket gets "Request too large", no retry-after, and never succeeds', async () => {
    const { mock, clock } = await openaiServer({ tokensPerMinute: 1000 });
    for (let i = 0; i < 3; i++) {
      const response = await openaiChat(mock, 'k', { max_tokens: 1500 });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBeNull();
      const body = (await response.json()) as { error: { message: string; code: string; type: string } };
      expect(body.error.code).toBe('rate_limit_exceeded');
      expect(body.error.message).toMatch(new RegExp(`^Request too large for gpt-4o-mini in organization org-mock on tokens per min \\(TPM\\): Limit 1000, Requested ${oneMessagePrompt(11) + 1500}\\.`));
      clock.advance(600_000);
    }
    expect(mock.ledger('k')).toMatchObject({ tooLarge: 3, admitted: 0 });
  });

  it('per-day limits refuse with requests per day (RPD) and refill over a day', async () => {
    const { mock, clock } = await openaiServer({ requestsPerMinute: 1000, requestsPerDay: 2 });
    expect(await statuses(3, () => openaiChat(mock, 'k', {}))).toEqual([200, 200, 429]);
    const response = await openaiChat(mock, 'k', {});
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('on requests per day (RPD): Limit 2');
    clock.advance(43_200_000);
    expect(await statuses(2, () => openaiChat(mock, 'k', {}))).toEqual([200, 429]);
  });

  it('Gemini\'s requests per day come back at midnight Pacific, not little by little', async () => {
    // The manual clock starts at 12:00 UTC, 04:00 in Mountain View: midnight is 20 hours away.
    const started = await startOnManualClock({ keys: { g: { provider: 'google', limits: { requestsPerMinute: 1000, requestsPerDay: 2 }, outputTokens: 1 } } });
    mock = started.mock;
    expect(await statuses(2, () => geminiGenerate(started.mock, 'g', {}))).toEqual([200, 200]);
    const refused = await geminiGenerate(started.mock, 'g', {});
    const details = ((await refused.json()) as { error: { details: Record<string, unknown>[] } }).error.details;
    expect(details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo')).toMatchObject({ retryDelay: '72000s' });
    started.clock.advance(19 * 3_600_000);
    expect(await statuses(1, () => geminiGenerate(started.mock, 'g', {}))).toEqual([429]);
    started.clock.advance(3_600_000);
    expect(await statuses(3, () => geminiGenerate(started.mock, 'g', {}))).toEqual([200, 200, 429]);
    expect(started.mock.ledger('g').violations).toBe(0);
  });

  it('Anthropic: 429 rate_limit_error with retry-after and its headers; ITPM and OTPM are separate', async () => {
    const started = await startOnManualClock({ keys: { a: { provider: 'anthropic', limits: { inputTokensPerMinute: 100, outputTokensPerMinute: 1000 }, outputTokens: 1 } } });
    mock = started.mock;
    const long = 'x'.repeat(300); // 3 + 4 + 75 = 82 input tokens
    expect((await anthropicMessage(mock, 'a', { messages: [{ role: 'user', content: long }], max_tokens: 10 })).status).toBe(200);
    const refused = await anthropicMessage(mock, 'a', { messages: [{ role: 'user', content: long }], max_tokens: 10 });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('39'); // 64 missing tokens at 100/min: 38.4 s, rounded up
    expect(refused.headers.get('anthropic-ratelimit-input-tokens-remaining')).toBe('18');
    expect(refused.headers.get('anthropic-ratelimit-input-tokens-reset')).toBe('2026-01-01T12:00:50Z');
    const body = (await refused.json()) as { type: string; error: { type: string; message: string }; request_id: string };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('rate_limit_error');
    expect(body.error.message).toContain('of 100 input tokens per minute');
    expect(body.request_id).toBe(refused.headers.get('request-id'));
    // Output is its own bucket: a small prompt with a large max_tokens still fits.
    expect((await anthropicMessage(mock, 'a', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 900 })).status).toBe(200);
  });

  it('Gemini: 429 RESOURCE_EXHAUSTED with RetryInfo and a PerMinute or PerDay quotaId, no headers', async () => {
    const started = await startOnManualClock({ keys: { g: { provider: 'google', limits: { requestsPerMinute: 2, requestsPerDay: 3 }, outputTokens: 1 } } });
    mock = started.mock;
    expect(await statuses(2, () => geminiGenerate(started.mock, 'g', {}))).toEqual([200, 200]);
    const perMinute = await geminiGenerate(started.mock, 'g', {});
    expect(perMinute.status).toBe(429);
    expect(perMinute.headers.get('retry-after')).toBeNull();
    const body = (await perMinute.json()) as { error: { code: number; status: string; details: Record<string, unknown>[] } };
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    const retry = body.error.details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo');
    expect(retry).toEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '30s' });
    const failure = body.error.details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure') as { violations: { quotaId: string }[] };
    expect(failure.violations[0]!.quotaId).toContain('PerMinute');
    started.clock.advance(60_000);
    expect((await geminiGenerate(started.mock, 'g', {})).status).toBe(200);
    const perDay = await geminiGenerate(started.mock, 'g', {});
    const dayBody = (await perDay.json()) as { error: { details: { violations?: { quotaId: string }[] }[] } };
    expect(dayBody.error.details[0]!.violations![0]!.quotaId).toContain('PerDay');
  });
});
