import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/index.js';
import { dataJson, oneMessagePrompt, openaiChat, parseSse, startOnManualClock } from './helpers.js';

const GO_DURATION = /^(\d+h)?(\d+m)?(\d+(\.\d+)?(ms|s))$|^0s$/;

describe('mock OpenAI surface: POST /v1/chat/completions', () => {
  let mock: MockServer;
  beforeAll(async () => {
    // A manual clock: the headers are exact, with no refill between requests.
    ({ mock } = await startOnManualClock({
      keys: { 'sk-openai': { provider: 'openai', limits: { requestsPerMinute: 100, tokensPerMinute: 100_000 }, outputTokens: 12, tokensPerChunk: 3 } },
    }));
  });
  afterAll(() => mock.close());

  it('answers a plain request with a completion, usage by the documented rule, and the rate-limit headers', async () => {
    const response = await openaiChat(mock, 'sk-openai', { max_tokens: 50 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { object: string; choices: { message: { content: string; role: string }; finish_reason: string }[]; usage: Record<string, number> };
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]!.message.role).toBe('assistant');
    expect(body.choices[0]!.finish_reason).toBe('stop');
    expect(body.choices[0]!.message.content).toHaveLength(12 * 4);
    expect(body.usage).toMatchObject({ prompt_tokens: oneMessagePrompt('Hello there'.length), completion_tokens: 12, total_tokens: oneMessagePrompt(11) + 12 });
    const headers = response.headers;
    expect(headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    expect(headers.get('x-ratelimit-limit-requests')).toBe('100');
    expect(headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('99');
    // The charge is prompt + max_tokens.
    expect(headers.get('x-ratelimit-remaining-tokens')).toBe(String(100_000 - (oneMessagePrompt(11) + 50)));
    expect(headers.get('x-ratelimit-reset-requests')).toBe('600ms');
    expect(headers.get('x-ratelimit-reset-tokens')).toBe('36ms');
    expect(headers.get('x-ratelimit-reset-tokens')).toMatch(GO_DURATION);
  });

  it('finishes with "length" when max_tokens is below the output length', async () => {
    const body = (await (await openaiChat(mock, 'sk-openai', { max_tokens: 5 })).json()) as { choices: { finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(body.choices[0]!.finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(5);
  });

  it('streams SSE chunks ending with [DONE]; without include_usage there is no usage chunk', async () => {
    const response = await openaiChat(mock, 'sk-openai', { stream: true, max_tokens: 50 });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-ratelimit-remaining-tokens')).not.toBeNull();
    const blocks = parseSse(await response.text());
    expect(blocks.at(-1)!.data).toBe('[DONE]');
    const chunks = dataJson(blocks);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && !('usage' in c))).toBe(true);
    const deltas = chunks.map((c) => (c.choices as { delta: { content?: string; role?: string } }[])[0]!.delta);
    expect(deltas[0]!.role).toBe('assistant');
    expect(deltas.map((d) => d.content ?? '').join('')).toHaveLength(48);
    // 12 tokens in chunks of 3: a role chunk, 4 content chunks, a finish chunk.
    expect(chunks).toHaveLength(6);
    expect((chunks.at(-1)!.choices as { finish_reason: string }[])[0]!.finish_reason).toBe('stop');
  });

  it('with stream_options.include_usage, every chunk has usage null and a last chunk with empty choices carries it', async () => {
    const response = await openaiChat(mock, 'sk-openai', { stream: true, max_tokens: 50, stream_options: { include_usage: true } });
    const chunks = dataJson(parseSse(await response.text()));
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: oneMessagePrompt(11), completion_tokens: 12, total_tokens: oneMessagePrompt(11) + 12 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('lists models at GET /v1/models', async () => {
    const response = await fetch(`${mock.url}/v1/models`, { headers: { authorization: 'Bearer sk-openai' } });
    const body = (await response.json()) as { object: string; data: { id: string; object: string }[] };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(body.data.every((m) => m.object === 'model')).toBe(true);
  });

  it('refuses a missing or unknown key with 401 and OpenAI\'s error body, counting it nowhere', async () => {
    const missing = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const unknown = await openaiChat(mock, 'sk-nobody-knows-this', {});
    expect(unknown.status).toBe(401);
    const body = (await unknown.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.message).toContain('Incorrect API key provided: sk-');
    expect(body.error.message).not.toContain('sk-nobody-knows-this');
    expect(mock.ledger().unauthorized).toBeGreaterThanOrEqual(2);
  });

  it('answers a malformed request with 400 invalid_request_error and counts it as invalid', async () => {
    const before = mock.ledger('sk-openai').invalid;
    const response = await openaiChat(mock, 'sk-openai', { messages: [] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const notJson = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-openai' }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(mock.ledger('sk-openai').invalid).toBe(before + 2);
  });

  it('answers an unknown path with 404 and a body larger than the limit with 413', async () => {
    expect((await fetch(`${mock.url}/v1/nothing-here`)).status).toBe(404);
    const small = await startMockServer({ keys: { k: { provider: 'openai' } }, maxBodyBytes: 100 });
    try {
      const response = await openaiChat(small, 'k', { padding: 'x'.repeat(500) });
      expect(response.status).toBe(413);
    } finally {
      await small.close();
    }
  });
});
