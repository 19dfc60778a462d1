import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/index.js';
import { anthropicMessage, geminiGenerate, openaiChat } from './helpers.js';

describe('mock out-of-quota keys: each provider\'s own error', () => {
  let mock: MockServer;
  beforeAll(async () => {
    // The default key set includes one out-of-quota key per provider.
    mock = await startMockServer({
      includeDefaultKeys: true,
      keys: {
        'ant-billing': { provider: 'anthropic', quotaExhausted: 'billing' },
        'ant-spend': { provider: 'anthropic', quotaExhausted: 'spend-limit' },
      },
    });
  });
  afterAll(() => mock.close());

  it('OpenAI: 429 insufficient_quota, not a rate limit', async () => {
    const response = await openaiChat(mock, 'sk-mock-openai-no-quota', {});
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBeNull();
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    expect(body.error.message).toMatch(/^You exceeded your current quota, please check your plan and billing details/);
  });

  it('Anthropic: 400 credit balance too low by default, 402 billing_error, or 429 enforced_spend_limit_reached', async () => {
    const credit = await anthropicMessage(mock, 'sk-mock-anthropic-no-quota', {});
    expect(credit.status).toBe(400);
    expect(((await credit.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('credit balance is too low') });
    const billing = await anthropicMessage(mock, 'ant-billing', {});
    expect(billing.status).toBe(402);
    expect(((await billing.json()) as { error: { type: string } }).error.type).toBe('billing_error');
    const spend = await anthropicMessage(mock, 'ant-spend', {});
    expect(spend.status).toBe(429);
    expect(spend.headers.get('retry-after')).toBeNull();
    expect(((await spend.json()) as { error: { type: string; details: { error_code: string } } }).error).toMatchObject({ type: 'rate_limit_error', details: { error_code: 'enforced_spend_limit_reached' } });
  });

  it('Gemini: 429 RESOURCE_EXHAUSTED per day with limit 0', async () => {
    const response = await geminiGenerate(mock, 'sk-mock-google-no-quota', {});
    expect(response.status).toBe(429);
    const body = (await response.json()) as { error: { status: string; message: string; details: { violations?: { quotaId: string }[] }[] } };
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.message).toContain('limit: 0');
    expect(body.error.details[0]!.violations![0]!.quotaId).toContain('PerDay');
  });

  it('DeepSeek: 402 Insufficient Balance', async () => {
    const response = await openaiChat(mock, 'sk-mock-deepseek-no-quota', {});
    expect(response.status).toBe(402);
    expect(await response.json()).toEqual({ error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } });
  });

  it('Moonshot: 403 exceeded_current_quota_error', async () => {
    const response = await openaiChat(mock, 'sk-mock-moonshot-no-quota', {});
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('exceeded_current_quota_error');
  });

  it('xAI: 403 with its { code, error } body', async () => {
    const response = await openaiChat(mock, 'sk-mock-xai-no-quota', {});
    expect(response.status).toBe(403);
    const body = (await response.json()) as { code: string; error: string };
    expect(body.error).toContain("doesn't have any credits");
  });

  it('counts every one as a quota rejection that consumed nothing', () => {
    const ledger = mock.ledger('sk-mock-openai-no-quota');
    expect(ledger).toMatchObject({ received: 1, admitted: 0, rejected: { quota: 1 }, charged: { requests: 0, tokens: 0 } });
  });
});
