import { describe, expect, it } from 'vitest';
import { anthropicMessage, geminiGenerate, oneMessagePrompt, openaiChat, serveOnManualClock } from './helpers.js';

const serve = serveOnManualClock();

const PROMPT = oneMessagePrompt('Hello there'.length); // 10

describe('mock accounting models: what each request is charged', () => {
  it('openai: prompt + max_tokens at admission, nothing refunded when the output is shorter', async () => {
    const mock = await serve({ k: { provider: 'openai', limits: { tokensPerMinute: 10_000 }, outputTokens: 5 } });
    const first = await openaiChat(mock, 'k', { max_tokens: 100 });
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe(String(10_000 - (PROMPT + 100)));
    expect(((await first.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(5);
    const second = await openaiChat(mock, 'k', { max_tokens: 100 });
    expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe(String(10_000 - 2 * (PROMPT + 100)));
    await second.arrayBuffer();
    expect(mock.ledger('k')).toMatchObject({ charged: { tokens: 2 * (PROMPT + 100) }, reported: { inputTokens: 2 * PROMPT, outputTokens: 10 } });
  });

  it('openai: without max_tokens the charge is prompt + 4096 (or the key\'s defaultMaxTokens)', async () => {
    const mock = await serve({
      k: { provider: 'openai', limits: { tokensPerMinute: 100_000 }, outputTokens: 5 },
      small: { provider: 'openai', limits: { tokensPerMinute: 100_000 }, outputTokens: 5, defaultMaxTokens: 256 },
    });
    await (await openaiChat(mock, 'k', {})).arrayBuffer();
    await (await openaiChat(mock, 'small', {})).arrayBuffer();
    expect(mock.ledger('k').charged.tokens).toBe(PROMPT + 4096);
    expect(mock.ledger('small').charged.tokens).toBe(PROMPT + 256);
  });

  it('openai-max: max(max_tokens, prompt tokens)', async () => {
    const mock = await serve({ k: { provider: 'openai', accounting: 'openai-max', limits: { tokensPerMinute: 100_000 }, outputTokens: 5 } });
    await (await openaiChat(mock, 'k', { max_tokens: 100 })).arrayBuffer();
    expect(mock.ledger('k').charged.tokens).toBe(100);
    const longPrompt = 'y'.repeat(800); // 3 + 4 + 200 = 207 tokens
    await (await openaiChat(mock, 'k', { max_tokens: 50, messages: [{ role: 'user', content: longPrompt }] })).arrayBuffer();
    expect(mock.ledger('k').charged.tokens).toBe(100 + 207);
  });

  it('anthropic: input to ITPM, max_tokens to OTPM at admission, the unused output given back at the end', async () => {
    const mock = await serve({ a: { provider: 'anthropic', limits: { inputTokensPerMinute: 10_000, outputTokensPerMinute: 1_000 }, outputTokens: 30 } });
    const first = await anthropicMessage(mock, 'a', { max_tokens: 400 });
    expect(first.headers.get('anthropic-ratelimit-input-tokens-remaining')).toBe(String(10_000 - PROMPT));
    expect(first.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe(String(1_000 - 400));
    await first.arrayBuffer();
    // The clock has not moved: the second request sees the first's 370 unused tokens refunded.
    const second = await anthropicMessage(mock, 'a', { max_tokens: 400, stream: true });
    expect(second.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe(String(1_000 - 30 - 400));
    await second.text();
    expect(mock.ledger('a').charged).toMatchObject({ inputTokens: 2 * PROMPT, outputTokens: 60 });
    // So 1 000 OTPM admits far more than two 400-token reservations would suggest.
    for (let i = 0; i < 5; i++) expect((await anthropicMessage(mock, 'a', { max_tokens: 400 })).status).toBe(200);
  });

  it('gemini: input tokens only, whatever maxOutputTokens says', async () => {
    const mock = await serve({ g: { provider: 'google', limits: { tokensPerMinute: 100_000 }, outputTokens: 50 } });
    await (await geminiGenerate(mock, 'g', { generationConfig: { maxOutputTokens: 2000 } })).arrayBuffer();
    expect(mock.ledger('g').charged).toMatchObject({ tokens: PROMPT, outputTokens: 0 });
    expect(mock.ledger('g').reported).toEqual({ inputTokens: PROMPT, outputTokens: 50 });
  });

  it('failed requests keep their charge (openai); anthropic gives back the output never produced', async () => {
    const mock = await serve({
      o: { provider: 'openai', limits: { tokensPerMinute: 100_000 }, faults: { errorRates: { '500': 1 } } },
      a: { provider: 'anthropic', limits: { inputTokensPerMinute: 100_000, outputTokensPerMinute: 100_000 }, faults: { errorRates: { '500': 1 } } },
    });
    expect((await openaiChat(mock, 'o', { max_tokens: 100 })).status).toBe(500);
    expect((await anthropicMessage(mock, 'a', { max_tokens: 100 })).status).toBe(500);
    expect(mock.ledger('o')).toMatchObject({ admitted: 1, failed: 1, charged: { tokens: PROMPT + 100 } });
    expect(mock.ledger('a')).toMatchObject({ admitted: 1, failed: 1, charged: { inputTokens: PROMPT, outputTokens: 0 } });
  });

  it('a client that budgets like Anthropic against an OpenAI-accounting server gets 429s it did not plan for', async () => {
    // The same traffic: 10 requests of max_tokens 400 producing 10 tokens each, within one instant.
    const mock = await serve({
      openaiModel: { provider: 'openai', limits: { tokensPerMinute: 1_000 }, outputTokens: 10 },
      anthropicModel: { provider: 'openai', accounting: 'anthropic', limits: { tokensPerMinute: 1_000 }, outputTokens: 10 },
    });
    // A client counting input + actual output expects 10 × (10 + 10) = 200 of 1 000 tokens: room to spare.
    const run = async (key: string) => {
      const out: number[] = [];
      for (let i = 0; i < 10; i++) {
        const response = await openaiChat(mock, key, { max_tokens: 400 });
        await response.arrayBuffer();
        out.push(response.status);
      }
      return out;
    };
    expect((await run('anthropicModel')).filter((s) => s === 429)).toHaveLength(0);
    // The OpenAI model reserves prompt + max_tokens = 410 per request and refunds nothing: 2 fit.
    expect((await run('openaiModel')).filter((s) => s === 429)).toHaveLength(8);
  });
});
