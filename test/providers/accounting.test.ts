import { describe, expect, it } from 'vitest';
import { admissionCharge, DEFAULT_ACCOUNTING, estimateInputTokens, keptCharge } from '../../src/providers/accounting.js';
import { PROVIDER_SPECS, providerOfModel } from '../../src/providers/provider-specs.js';
import { errorFromResponse } from '../../src/providers/response-error.js';

describe('token accounting follows the provider', () => {
  it('estimates input the way OpenAI does (about 4 characters a token) with a margin', () => {
    const messages = [{ role: 'user' as const, content: 'x'.repeat(400) }];
    const plain = estimateInputTokens(messages, { ...DEFAULT_ACCOUNTING, safetyMargin: 0 });
    expect(plain).toBe(100 + 4 + 3);
    expect(estimateInputTokens(messages)).toBe(Math.ceil(107 * 1.1));
  });

  it('OpenAI: reserves input + max_tokens; keeps the reported input + max_tokens (no refund of unused output)', () => {
    expect(admissionCharge(DEFAULT_ACCOUNTING, 300, 500)).toEqual({ tokens: 800, inputTokens: 300, outputTokens: 500 });
    expect(keptCharge(DEFAULT_ACCOUNTING, 300, 500, { inputTokens: 280, outputTokens: 20 })).toEqual({ tokens: 780, inputTokens: 280, outputTokens: 500 });
    expect(keptCharge(DEFAULT_ACCOUNTING, 300, 500, { inputTokens: 350, outputTokens: 20 })).toEqual({ tokens: 850, inputTokens: 350, outputTokens: 500 });
    expect(keptCharge(DEFAULT_ACCOUNTING, 300, 500, {})).toEqual({ tokens: 800, inputTokens: 300, outputTokens: 500 });
  });

  it("OpenAI's guide rule: max(max_tokens, input)", () => {
    const model = { ...DEFAULT_ACCOUNTING, charge: 'max_of_input_and_max_output' as const };
    expect(admissionCharge(model, 300, 500).tokens).toBe(500);
    expect(admissionCharge(model, 900, 500).tokens).toBe(900);
  });

  it('Anthropic: input to ITPM, max_tokens to OTPM, unused output given back', () => {
    const model = PROVIDER_SPECS.anthropic.accounting;
    expect(admissionCharge(model, 300, 1000)).toEqual({ tokens: 1300, inputTokens: 300, outputTokens: 1000 });
    expect(keptCharge(model, 300, 1000, { inputTokens: 320, outputTokens: 150 })).toEqual({ tokens: 470, inputTokens: 320, outputTokens: 150 });
  });

  it('Gemini: input only', () => {
    const model = PROVIDER_SPECS.google.accounting;
    expect(admissionCharge(model, 300, 1000)).toEqual({ tokens: 300, inputTokens: 300, outputTokens: 0 });
    expect(keptCharge(model, 300, 1000, { inputTokens: 250 })).toEqual({ tokens: 250, inputTokens: 250, outputTokens: 0 });
  });

  it('routes models to their provider', () => {
    expect(['gpt-4o-mini', 'o3-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash', 'grok-3', 'deepseek-chat', 'kimi-k2', 'moonshot-v1-8k', 'llama-3'].map(providerOfModel)).toEqual([
      'openai',
      'openai',
      'anthropic',
      'google',
      'xai',
      'deepseek',
      'moonshot',
      'moonshot',
      undefined,
    ]);
  });
});

describe('error responses', () => {
  const now = Date.UTC(2026, 0, 1);
  it("reads Gemini's RetryInfo.retryDelay from the body", () => {
    const body = JSON.stringify({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'Quota exceeded',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' }] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' },
        ],
      },
    });
    expect(errorFromResponse('google', 429, {}, body, now)).toMatchObject({ name: 'ProviderError', kind: 'rate_limited', retryAfterMs: 34_400, status: 429 });
  });

  it('a quota error becomes QuotaExceededError; keys in messages are masked', () => {
    const body = JSON.stringify({ error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota (key sk-proj-abcdefghijklmnop1234)' } });
    const error = errorFromResponse('openai', 429, { 'retry-after': '20' }, body, now);
    expect(error).toMatchObject({ name: 'QuotaExceededError', kind: 'quota_exhausted', status: 429 });
    expect(error.message).not.toContain('abcdefghijklmnop1234');
    expect(error.message).toContain('sk-proj-***');
  });

  it('an unreadable body is still classified by its status', () => {
    expect(errorFromResponse('deepseek', 503, {}, '<html>Service Unavailable</html>', now)).toMatchObject({ kind: 'server_error', status: 503 });
    expect(errorFromResponse('anthropic', 529, {}, '', now)).toMatchObject({ kind: 'overloaded' });
  });
});
