/**
 * The official SDKs, pointed at the mock, read its answers, streams and errors as they read the
 * real providers': the mock's formats are what the SDKs were written against.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/index.js';

describe('the official SDKs against the mock', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({
      keys: {
        'sk-openai': { provider: 'openai', limits: { requestsPerMinute: 2 }, outputTokens: 6 },
        'sk-anthropic': { provider: 'anthropic', limits: { requestsPerMinute: 2, inputTokensPerMinute: 10_000, outputTokensPerMinute: 10_000 }, outputTokens: 6 },
      },
    });
  });
  afterAll(() => mock.close());

  it('openai: a completion, a stream with usage, then a RateLimitError carrying the headers', async () => {
    const client = new OpenAI({ apiKey: 'sk-openai', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 50 });
    expect(completion.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 6 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toHaveLength(24);
    expect(usage).toMatchObject({ completion_tokens: 6 });
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers.get('retry-after-ms')).toMatch(/^\d+$/);
  });

  it('anthropic: a message, a stream read to its final message, then a RateLimitError', async () => {
    const client = new Anthropic({ apiKey: 'sk-anthropic', baseURL: mock.url, maxRetries: 0 });
    const message = await client.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 50, messages: [{ role: 'user', content: 'Hello there' }] });
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 6 });
    const stream = client.messages.stream({ model: 'claude-sonnet-4-20250514', max_tokens: 50, messages: [{ role: 'user', content: 'Hello there' }] });
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens).toBe(6);
    expect(final.content[0]).toMatchObject({ type: 'text' });
    const error = await client.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
