import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/index.js';
import { anthropicMessage, oneMessagePrompt, parseSse } from './helpers.js';

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('mock Anthropic surface: POST /v1/messages', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({
      keys: { 'sk-ant': { provider: 'anthropic', limits: { requestsPerMinute: 50, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 }, outputTokens: 8, tokensPerChunk: 2 } },
    });
  });
  afterAll(() => mock.close());

  it('answers a plain request with a message, usage, request-id and every anthropic-ratelimit header', async () => {
    const response = await anthropicMessage(mock, 'sk-ant', { system: 'Be brief.' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { type: string; role: string; content: { type: string; text: string }[]; stop_reason: string; usage: Record<string, number> };
    expect(body).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(body.content[0]!.text).toHaveLength(32);
    // system and one message: 3 + (4 + ceil(9/4)) + (4 + ceil(11/4))
    expect(body.usage).toMatchObject({ input_tokens: 3 + 4 + 3 + 4 + 3, output_tokens: 8 });
    const h = response.headers;
    expect(h.get('request-id')).toMatch(/^req_/);
    for (const prefix of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
      expect(Number(h.get(`anthropic-ratelimit-${prefix}-limit`))).toBeGreaterThan(0);
      expect(h.get(`anthropic-ratelimit-${prefix}-remaining`)).toMatch(/^\d+$/);
      expect(h.get(`anthropic-ratelimit-${prefix}-reset`)).toMatch(RFC_3339);
    }
    expect(h.get('anthropic-ratelimit-input-tokens-limit')).toBe('30000');
    expect(h.get('anthropic-ratelimit-output-tokens-limit')).toBe('8000');
    // The tokens-* headers show the most restrictive token limit: here OTPM.
    expect(h.get('anthropic-ratelimit-tokens-limit')).toBe('8000');
  });

  it('streams the named events in order with input usage first and output usage last', async () => {
    const response = await anthropicMessage(mock, 'sk-ant', { stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const blocks = parseSse(await response.text());
    const names = blocks.map((b) => b.event);
    expect(names).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    for (const block of blocks) expect((JSON.parse(block.data!) as { type: string }).type).toBe(block.event);
    const start = JSON.parse(blocks[0]!.data!) as { message: { usage: { input_tokens: number } } };
    expect(start.message.usage.input_tokens).toBe(oneMessagePrompt(11));
    const delta = JSON.parse(blocks.at(-2)!.data!) as { usage: { output_tokens: number }; delta: { stop_reason: string } };
    expect(delta).toMatchObject({ usage: { output_tokens: 8 }, delta: { stop_reason: 'end_turn' } });
    const text = blocks.filter((b) => b.event === 'content_block_delta').map((b) => (JSON.parse(b.data!) as { delta: { text: string } }).delta.text).join('');
    expect(text).toHaveLength(32);
  });

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    const body = (await (await anthropicMessage(mock, 'sk-ant', { max_tokens: 3 })).json()) as { stop_reason: string; usage: { output_tokens: number } };
    expect(body).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 3 } });
  });

  it('requires max_tokens and anthropic-version, as the API does', async () => {
    const noMax = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(noMax.status).toBe(400);
    expect(await noMax.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    const noVersion = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant' }, body: '{}' });
    expect(noVersion.status).toBe(400);
  });

  it('refuses an unknown key with 401 authentication_error; takes a key as x-api-key or as Bearer (the SDK 1.x way)', async () => {
    const unknown = await anthropicMessage(mock, 'sk-ant-unknown', {});
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const bearer = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-ant', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(bearer.status).toBe(200);
    await bearer.arrayBuffer();
  });

  it('lists models in Anthropic\'s format for an x-api-key request', async () => {
    const body = (await (await fetch(`${mock.url}/v1/models`, { headers: { 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01' } })).json()) as { data: { type: string }[]; has_more: boolean };
    expect(body.has_more).toBe(false);
    expect(body.data.every((m) => m.type === 'model')).toBe(true);
  });
});
