import { describe, expect, it } from 'vitest';
import { startMockServer, type ChargeModel, type MockKeyConfig, type MockServer } from '../../src/mock/index.js';
import { anthropicMessage, geminiGenerate, oneMessagePrompt, openaiChat, serveOnManualClock } from './helpers.js';

const serve = serveOnManualClock();

const LIMIT = 100_000;
const MAX_TOKENS = 300;
/** Two prompts on either side of max_tokens, so that the max-of model tells them apart: 3 + 4 + 25 = 32 and 3 + 4 + 500 = 507 tokens. */
const SHORT = 'x'.repeat(100);
const LONG = 'y'.repeat(2000);

/** The charge each model documents, by the mock's own prompt-token rule (token-count.ts). */
function documentedCharge(charge: ChargeModel, text: string): number {
  const prompt = oneMessagePrompt(text.length);
  if (charge === 'input+max_tokens') return prompt + MAX_TOKENS;
  if (charge === 'max(input,max_tokens)') return Math.max(prompt, MAX_TOKENS);
  return prompt;
}

/** One request from a full bucket on each surface; resolves to the remaining-tokens header. */
const SURFACES: Record<'openai' | 'anthropic' | 'gemini', { key: (charge: ChargeModel) => MockKeyConfig; send: (mock: MockServer, key: string, text: string) => Promise<Response>; header: string }> = {
  openai: {
    key: (charge) => ({ provider: 'openai', charge, limits: { tokensPerMinute: LIMIT }, outputTokens: 5 }),
    send: (m, key, text) => openaiChat(m, key, { max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: text }] }),
    header: 'x-ratelimit-remaining-tokens',
  },
  anthropic: {
    // A combined token limit, so that the charge model (not the ITPM/OTPM split) is what the header shows.
    key: (charge) => ({ provider: 'anthropic', charge, refundUnusedOutput: false, limits: { tokensPerMinute: LIMIT }, outputTokens: 5 }),
    send: (m, key, text) => anthropicMessage(m, key, { max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: text }] }),
    header: 'anthropic-ratelimit-tokens-remaining',
  },
  gemini: {
    // Gemini sends no rate-limit headers of its own: asked for, it gets OpenAI's.
    key: (charge) => ({ provider: 'google', charge, rateLimitHeaders: true, limits: { tokensPerMinute: LIMIT }, outputTokens: 5 }),
    send: (m, key, text) => geminiGenerate(m, key, { contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { maxOutputTokens: MAX_TOKENS } }),
    header: 'x-ratelimit-remaining-tokens',
  },
};

const CHARGES: readonly ChargeModel[] = ['input+max_tokens', 'max(input,max_tokens)', 'input'];

describe('mock charge models: what a request is charged to the token buckets, on any surface', () => {
  for (const [surface, { key, send, header }] of Object.entries(SURFACES)) {
    for (const charge of CHARGES) {
      it(`${surface} surface, charge '${charge}': remaining tokens = limit − the documented charge, short and long prompts`, async () => {
        const mock = await serve({ short: key(charge), long: key(charge) });
        for (const [name, text] of [['short', SHORT], ['long', LONG]] as const) {
          const response = await send(mock, name, text);
          expect(response.status).toBe(200);
          expect(response.headers.get(header)).toBe(String(LIMIT - documentedCharge(charge, text)));
          await response.arrayBuffer();
          expect(mock.ledger(name)).toMatchObject({ charge, charged: { tokens: documentedCharge(charge, text) } });
        }
      });
    }
  }

  it('the charge model applies to TPD too, and shows in the ledger and the key description', async () => {
    const mock = await serve({ k: { provider: 'openai', charge: 'input', limits: { tokensPerDay: LIMIT }, outputTokens: 5 } });
    await (await openaiChat(mock, 'k', { max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: SHORT }] })).arrayBuffer();
    expect(mock.ledger('k').charged.tokens).toBe(oneMessagePrompt(SHORT.length));
    expect(mock.keys.k).toMatchObject({ accounting: 'openai', charge: 'input', refundUnusedOutput: false });
  });

  it('without a charge, each accounting model keeps its own (backward compatible)', async () => {
    const mock = await serve({
      o: { provider: 'openai', limits: { tokensPerMinute: LIMIT } },
      m: { provider: 'openai', accounting: 'openai-max', limits: { tokensPerMinute: LIMIT } },
      a: { provider: 'anthropic', limits: { tokensPerMinute: LIMIT } },
      g: { provider: 'google', limits: { tokensPerMinute: LIMIT } },
    });
    expect(Object.fromEntries(Object.entries(mock.keys).map(([name, k]) => [name, [k.charge, k.refundUnusedOutput]]))).toEqual({
      o: ['input+max_tokens', false],
      m: ['max(input,max_tokens)', false],
      a: ['input+max_tokens', true],
      g: ['input', false],
    });
  });

  it('anthropic keeps its ITPM/OTPM split under another charge model', async () => {
    const mock = await serve({ a: { provider: 'anthropic', charge: 'input', limits: { tokensPerMinute: LIMIT, inputTokensPerMinute: 50_000, outputTokensPerMinute: 10_000 }, outputTokens: 5 } });
    const response = await anthropicMessage(mock, 'a', { max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: SHORT }] });
    const prompt = oneMessagePrompt(SHORT.length);
    expect(response.headers.get('anthropic-ratelimit-input-tokens-remaining')).toBe(String(50_000 - prompt));
    expect(response.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe(String(10_000 - MAX_TOKENS));
    await response.arrayBuffer();
  });

  it('refundUnusedOutput gives back the unused part of max_tokens, as the charge model counts it', async () => {
    const prompt = oneMessagePrompt(SHORT.length); // 32
    const mock = await serve({
      sum: { provider: 'openai', charge: 'input+max_tokens', refundUnusedOutput: true, limits: { tokensPerMinute: LIMIT }, outputTokens: 5 },
      max: { provider: 'openai', charge: 'max(input,max_tokens)', refundUnusedOutput: true, limits: { tokensPerMinute: LIMIT }, outputTokens: 5 },
      gemini: { provider: 'google', charge: 'input+max_tokens', refundUnusedOutput: true, limits: { tokensPerMinute: LIMIT }, outputTokens: 5 },
      none: { provider: 'anthropic', refundUnusedOutput: false, limits: { outputTokensPerMinute: 10_000 }, outputTokens: 5 },
    });
    const body = { max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: SHORT }] };
    await (await openaiChat(mock, 'sum', body)).arrayBuffer();
    await (await openaiChat(mock, 'max', body)).arrayBuffer();
    await (await geminiGenerate(mock, 'gemini', { contents: [{ role: 'user', parts: [{ text: SHORT }] }], generationConfig: { maxOutputTokens: MAX_TOKENS } })).arrayBuffer();
    await (await anthropicMessage(mock, 'none', body)).arrayBuffer();
    expect(mock.ledger('sum').charged.tokens).toBe(prompt + 5);
    expect(mock.ledger('max').charged.tokens).toBe(Math.max(prompt, 5));
    // Gemini's accounting charges no output to OTPM, but its TPM charge under the sum is refunded all the same.
    expect(mock.ledger('gemini').charged).toMatchObject({ tokens: prompt + 5, outputTokens: 0 });
    expect(mock.ledger('none').charged.outputTokens).toBe(MAX_TOKENS);
  });

  it('a charge or refund option of the wrong kind is refused, naming the field', async () => {
    await expect(startMockServer({ keys: { k: { provider: 'openai', charge: 'sum' as ChargeModel } } })).rejects.toThrow(/keys\.k\.charge/);
    await expect(startMockServer({ keys: { k: { provider: 'openai', refundUnusedOutput: 'yes' as unknown as boolean } } })).rejects.toThrow(/keys\.k\.refundUnusedOutput/);
  });
});
